package main

import (
	"fmt"
	"strings"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// exitUse is one exit code a command returns; an empty meaning is the
// general one of exitCodes.
type exitUse struct {
	code    int
	meaning string
}

// signals are the exit codes of every command a signal can stop.
var signals = []exitUse{{exitSIGINT, ""}, {exitSIGTERM, ""}}

// commandExits are the exit codes each command returns, with what they
// mean for it: each command's --help prints its table from here. A
// command without a gate (collect, policies list and show, policies
// bundle, schema, version) never exits 3; policies test exits 3 when a
// test fails.
var commandExits = map[string][]exitUse{
	"collect": append([]exitUse{
		{exitPass, "the snapshot was written"},
		{exitToolError, "a read the snapshot needs failed, or the credentials were missing or rejected; nothing was written"},
		{exitUsage, "usage error or bad input (bad flag, unknown --profile, no region, bad configuration file)"},
	}, signals...),
	"check": append([]exitUse{{exitPass, ""}, {exitToolError, ""}, {exitUsage, ""}, {exitGateFailed, ""}}, signals...),
	"run":   append([]exitUse{{exitPass, ""}, {exitToolError, ""}, {exitUsage, ""}, {exitGateFailed, ""}}, signals...),
	"policies": {
		{exitPass, "the list was printed"},
		{exitToolError, "the rules could not be loaded, or the list could not be written"},
		{exitUsage, "usage error (bad --output, or an argument that is not a rule ID or name)"},
	},
	"policies test": append([]exitUse{
		{exitPass, "every test passed"},
		{exitToolError, "the tests could not be run, or the report could not be written"},
		{exitUsage, "usage error or bad input (a policy that does not parse or compile, named by file:line:col; a broken org rule; no test to run; a bundle that fails --verification-key)"},
		{exitGateFailed, "a test failed or could not be evaluated"},
	}, signals...),
	"policies bundle": {
		{exitPass, "the bundle was written"},
		{exitToolError, "the bundle could not be built or written; nothing was written"},
		{exitUsage, "usage error or bad input (no -o, a policy or data path that cannot be used, a bad signing key)"},
	},
	"schema": {
		{exitPass, "the schema was printed"},
		{exitToolError, "it could not be written"},
		{exitUsage, "usage error"},
	},
	"version": {
		{exitPass, "the version was printed"},
		{exitToolError, "the rule pack's version could not be computed"},
	},
	"completion": {
		{exitPass, "the script was printed"},
		{exitToolError, "it could not be written"},
		{exitUsage, "usage error (no shell, or one it has no script for)"},
	},
	"help": {
		{exitPass, "the help was printed"},
		{exitUsage, "usage error (a command that does not exist)"},
	},
}

// commandExitHelp renders the exit code table of one command.
func commandExitHelp(name string) string {
	uses, ok := commandExits[name]
	if !ok {
		return exitCodeHelp()
	}
	var b strings.Builder
	b.WriteString("Exit codes:\n")
	for _, u := range uses {
		m := u.meaning
		if m == "" {
			for _, c := range exitCodes {
				if c.Code == u.code {
					m = c.Meaning
				}
			}
		}
		fmt.Fprintf(&b, "  %d  %s\n", u.code, m)
	}
	return b.String()
}

// summaryLine is the one line that tells the outcome of a run whose
// reports all went to files: migrations, errors, warnings and the verdict.
func summaryLine(r *report.Result) string {
	s := r.Summary()
	verdict := "gate passed"
	switch r.Verdict() {
	case report.VerdictFail:
		verdict = "gate failed"
	case report.VerdictError:
		verdict = "a rule could not be evaluated"
	}
	line := fmt.Sprintf("%s, %s, %s", countNoun(s.Migrations, "migration"), countNoun(s.Errors, "error"), countNoun(s.Warnings, "warning"))
	if s.Undecided > 0 {
		line += fmt.Sprintf(" (%d undecided)", s.Undecided)
	}
	return line + ": " + verdict
}

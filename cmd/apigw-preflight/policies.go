package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
)

func policiesHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight policies list [--output text|json|markdown] [RULE...]

List the built-in rules (or only the RULEs named, by ID like MIG001 or by
name like capacity-headroom) with their IDs, default severities, titles and
parameters (with their defaults), as read from the rules' METADATA (MIG016
applies to Terraform plans, the others to snapshots; json adds
descriptions, remediations, help links and each parameter's type, bounds and
description; markdown is the table the README shows). Set a parameter with
--set RULE.PARAM=VALUE or in the configuration file's rules section. A rule
whose findings no waiver may accept says "waivers: not waivable" (json
waivable false); one whose waivers must name a ticket says "waivers: ticket
required" (json ticketRequired true). AGP002 to AGP004 judge the waivers
themselves and run only when waivers are given (--waivers).

Flags:
%s
%s`, fs.FlagUsages(), commandExitHelp("policies"))
}

// waiverNote says what a rule's METADATA allows of waivers, "" when
// nothing special.
func waiverNote(r report.Rule) string {
	switch {
	case !r.CanWaive():
		return "not waivable"
	case r.TicketRequired:
		return "ticket required"
	}
	return ""
}

func runPolicies(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("policies")
	output := fs.StringP("output", "o", "text", "`FORMAT` of the list: text, json or markdown")
	if err := parseFlags(e, fs, args, policiesHelp); err != nil {
		return err
	}
	if fs.NArg() == 0 || fs.Arg(0) != "list" {
		return usageErr("policies: want 'policies list [RULE...]'; run 'apigw-preflight policies --help'")
	}
	if *output != "text" && *output != "json" && *output != "markdown" {
		return usageErr("policies list --output %q: want text, json or markdown", *output)
	}
	eng, err := policies.New(ctx, policies.Options{MaxAge: policies.DefaultMaxAge})
	if err != nil {
		return withCode(exitToolError, err)
	}
	rules, err := pickRules(policies.Documented(eng), fs.Args()[1:])
	if err != nil {
		return err
	}
	switch *output {
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rules)
	case "markdown":
		_, err := io.WriteString(e.stdout, policies.MarkdownTable(rules))
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSEVERITY\tTITLE")
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Severity, r.Title)
		if len(r.Params) > 0 {
			params := make([]string, len(r.Params))
			for i, p := range r.Params {
				params[i] = fmt.Sprintf("%s=%v", p.Name, p.Default)
			}
			// Under the title, so the columns stay aligned.
			fmt.Fprintf(tw, "\t\t\tparams: %s\n", strings.Join(params, " "))
		}
		if w := waiverNote(r); w != "" {
			fmt.Fprintf(tw, "\t\t\twaivers: %s\n", w)
		}
	}
	return tw.Flush()
}

// pickRules keeps the rules named by ID or name, in the order asked; no
// names keeps them all. A name that is no rule is a usage error saying
// what was expected.
func pickRules(all []report.Rule, names []string) ([]report.Rule, error) {
	if len(names) == 0 {
		return all, nil
	}
	var picked []report.Rule
	for _, n := range names {
		i := slices.IndexFunc(all, func(r report.Rule) bool { return strings.EqualFold(r.ID, n) || r.Name == n })
		if i < 0 {
			ex := all[slices.IndexFunc(all, func(r report.Rule) bool { return strings.HasPrefix(r.ID, "MIG") })]
			return nil, usageErr("policies list %s: not a rule; want a rule ID like %s or a name like %s ('apigw-preflight policies list' shows them all)",
				n, ex.ID, ex.Name)
		}
		if !slices.ContainsFunc(picked, func(r report.Rule) bool { return r.ID == all[i].ID }) {
			picked = append(picked, all[i])
		}
	}
	return picked, nil
}

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

	"github.com/apigw-preflight/apigw-preflight/cloud/calls"
	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
)

func policiesHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight policies list [--output text|json|markdown] [--policy PATH...] [--data PATH...] [RULE...]
       apigw-preflight policies show [--policy PATH...] [--data PATH...] RULE
       apigw-preflight policies test [--builtin] [--run REGEX] [--coverage] [-f junit=FILE] [PATH...]
       apigw-preflight policies bundle -o FILE.tar.gz [--policy PATH...] [--data PATH...] [--signing-key FILE]

list: the rules (or only the RULEs named, by ID like MIG001 or by name like
rps-capacity) with their IDs, default severities, titles and parameters
(with their defaults), as read from the rules' METADATA (MIG016 applies to
Terraform plans, the others to snapshots; json adds descriptions,
remediations, help links and each parameter's type, bounds and
description; markdown is the table the README shows). With --policy, the
organisation's rules are listed too, each with the file it comes from. A
rule whose findings no waiver may accept says "waivers: not waivable" (json
waivable false); one whose waivers must name a ticket says "waivers: ticket
required" (json ticketRequired true). AGP002 to AGP004 judge the waivers
themselves and run only when waivers are given (--waivers).

show: one rule (an ID or a name) whole: title, description, default
severity, parameters with their defaults, remediation, help link, the file
it comes from and the cloud calls it needs (a failed read of one leaves the
rule undecided).

test: runs the Rego unit tests of the policies at each PATH (and with
--builtin the built-in ones); 'policies test --help' has the details.

bundle: writes an OPA bundle of the built-in rules and the organisation
policies for OPA servers; 'policies bundle --help' has the details.

Set a parameter with --set RULE.PARAM=VALUE or in the configuration file's
rules section.

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
	if len(args) > 0 {
		switch args[0] {
		case "test":
			return runPoliciesTest(ctx, e, args[1:])
		case "bundle":
			return runPoliciesBundle(ctx, e, args[1:])
		}
	}
	fs := newFlagSet("policies")
	output := fs.StringP("output", "o", "text", "`FORMAT` of the list: text, json or markdown")
	var org orgFlags
	fs.StringArrayVar(&org.policies, "policy", nil, "also list the organisation policies at `PATH` (a directory, a .rego file or an OPA bundle); repeatable")
	fs.StringArrayVar(&org.data, "data", nil, "data documents at `PATH` for the organisation policies; repeatable")
	if err := parseFlags(e, fs, args, policiesHelp); err != nil {
		return err
	}
	sub := fs.Arg(0)
	switch {
	case sub == "list":
	case sub == "show" && fs.NArg() == 2:
	case sub == "show":
		return usageErr("policies show: want one rule ID or name, e.g. 'policies show MIG001'")
	default:
		return usageErr("policies: want 'policies list [RULE...]', 'policies show RULE', 'policies test [PATH...]' or 'policies bundle -o FILE.tar.gz'; run 'apigw-preflight policies --help'")
	}
	if *output != "text" && *output != "json" && *output != "markdown" {
		return usageErr("policies list --output %q: want text, json or markdown", *output)
	}
	eng, err := orgEngine(ctx, policies.Options{MaxAge: policies.DefaultMaxAge}, org.policies, org.data, policies.LoadOptions{})
	if err != nil {
		return err
	}
	if sub == "show" {
		return showRule(e.stdout, policies.Documented(eng), fs.Arg(1))
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
	withSource := len(org.policies) > 0
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	if withSource {
		fmt.Fprintln(tw, "ID\tNAME\tSEVERITY\tTITLE\tSOURCE")
	} else {
		fmt.Fprintln(tw, "ID\tNAME\tSEVERITY\tTITLE")
	}
	for _, r := range rules {
		if withSource {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Severity, r.Title, ruleSource(r))
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Severity, r.Title)
		}
		if len(r.Params) > 0 {
			params := make([]string, len(r.Params))
			for i, p := range r.Params {
				params[i] = fmt.Sprintf("%s=%v", p.Name, p.Default)
			}
			// Under the title, so the columns stay aligned.
			end := "\n"
			if withSource {
				end = "\t\n"
			}
			fmt.Fprintf(tw, "\t\t\tparams: %s"+end, strings.Join(params, " "))
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

// ruleSource names where a rule comes from: an organisation rule's file,
// a built-in rule's directory, or the tool itself.
func ruleSource(r report.Rule) string {
	switch {
	case r.Source != "":
		return r.Source
	case strings.HasPrefix(r.ID, "AGP"):
		return "built in (the tool, in Go)"
	}
	dir := policies.RuleDir(r)
	return "built in: policies/rules/" + dir + "/" + dir + ".rego"
}

// showRule prints one rule whole.
func showRule(w io.Writer, rules []report.Rule, name string) error {
	var rule report.Rule
	found := false
	for _, r := range rules {
		if strings.EqualFold(r.ID, name) || r.Name == name {
			rule, found = r, true
		}
	}
	if !found {
		ids := make([]string, len(rules))
		for i, r := range rules {
			ids[i] = r.ID
		}
		return usageErr("policies show: unknown rule %q; the rules are %s (by ID or name; give --policy for organisation rules)", name, strings.Join(ids, ", "))
	}
	fmt.Fprintf(w, "%s %s: %s\n\n", rule.ID, rule.Name, rule.Title)
	if rule.Description != "" {
		fmt.Fprintf(w, "%s\n\n", rule.Description)
	}
	fmt.Fprintf(w, "Default severity: %s\n", rule.Severity)
	if rule.Pack != "" {
		fmt.Fprintf(w, "Pack:             %s\n", rule.Pack)
	}
	fmt.Fprintf(w, "Source:           %s\n", ruleSource(rule))
	if rule.HelpURI != "" {
		fmt.Fprintf(w, "Help:             %s\n", rule.HelpURI)
	}
	if len(rule.Tags) > 0 {
		fmt.Fprintf(w, "Tags:             %s\n", strings.Join(rule.Tags, ", "))
	}
	fmt.Fprintf(w, "\nRemediation:\n  %s\n", rule.Remediation)
	if len(rule.Params) > 0 {
		fmt.Fprintf(w, "\nParameters (--set %s.NAME=VALUE, or rules: {%s: {NAME: VALUE}} in the configuration):\n", rule.ID, rule.ID)
		for _, p := range rule.Params {
			bounds := ""
			switch {
			case p.Min != nil && p.Max != nil:
				bounds = fmt.Sprintf(", %v to %v", *p.Min, *p.Max)
			case p.Min != nil:
				bounds = fmt.Sprintf(", at least %v", *p.Min)
			case p.Max != nil:
				bounds = fmt.Sprintf(", at most %v", *p.Max)
			}
			fmt.Fprintf(w, "  %s (%s%s, default %v): %s\n", p.Name, p.Type, bounds, p.Default, p.Description)
		}
	}
	var needs, essential []string
	for _, c := range calls.All() {
		switch {
		case c.Write:
		case c.Essential:
			essential = append(essential, c.Action)
		default:
			for _, id := range c.Rules {
				if id == rule.ID {
					needs = append(needs, fmt.Sprintf("%s (%s)", c.Action, c.RAMAction))
				}
			}
		}
	}
	fmt.Fprintf(w, "\nCloud calls:\n")
	if len(needs) > 0 {
		fmt.Fprintf(w, "  %s; a failed read of one leaves the rule undecided\n", strings.Join(needs, ", "))
	} else {
		fmt.Fprintf(w, "  none beyond those of every snapshot\n")
	}
	fmt.Fprintf(w, "  every snapshot: %s\n", strings.Join(essential, ", "))
	return nil
}

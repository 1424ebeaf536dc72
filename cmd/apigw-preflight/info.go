package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"text/tabwriter"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

const informationURI = "https://github.com/apigw-preflight/apigw-preflight"

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "0.1.0-dev"
}

func toolInfo() report.Tool {
	return report.Tool{Name: "apigw-preflight", Version: toolVersion(), InformationURI: informationURI}
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

func runVersion(_ context.Context, e *env, _ []string) error {
	fmt.Fprintf(e.stdout, "apigw-preflight %s\n", toolVersion())
	return nil
}

func policiesHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight policies list [--output text|json|markdown]

List the built-in rules with their IDs, default severities and titles, as read
from the rules' METADATA (MIG016 applies to Terraform plans, the others to
snapshots) (json adds descriptions, remediations and help links;
markdown is the table the README shows).

Flags:
%s`, fs.FlagUsages())
}

func runPolicies(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("policies")
	output := fs.StringP("output", "o", "text", "`FORMAT` of the list: text, json or markdown")
	if err := parseFlags(e, fs, args, policiesHelp); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "list" {
		return usageErr("policies: want 'policies list'; run 'apigw-preflight policies --help'")
	}
	if *output != "text" && *output != "json" && *output != "markdown" {
		return usageErr("policies list --output %q: want text, json or markdown", *output)
	}
	eng, err := policies.New(ctx, policies.Options{MaxAge: policies.DefaultMaxAge})
	if err != nil {
		return withCode(exitToolError, err)
	}
	rules := policies.AllRules(eng)
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
	}
	return tw.Flush()
}

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

// Set at build time with -ldflags "-X main.version=... -X main.commit=...
// -X main.date=..." (make build, GoReleaser); empty otherwise.
var (
	version = ""
	commit  = ""
	date    = ""
)

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

// buildCommit and buildDate fall back on what the Go toolchain stamped
// into the binary (a build in a git checkout), then on "unknown".
func buildCommit() string {
	if commit != "" {
		return commit
	}
	return buildSetting("vcs.revision")
}

func buildDate() string {
	if date != "" {
		return date
	}
	return buildSetting("vcs.time")
}

func buildSetting(key string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == key && s.Value != "" {
				return s.Value
			}
		}
	}
	return "unknown"
}

func runVersion(_ context.Context, e *env, _ []string) error {
	pack, err := policies.PackVersion()
	if err != nil {
		return withCode(exitToolError, err)
	}
	fmt.Fprintf(e.stdout, "apigw-preflight %s\ncommit:    %s\nbuilt:     %s\nrule pack: %s\n",
		toolVersion(), buildCommit(), buildDate(), pack)
	return nil
}

func policiesHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight policies list [--output text|json|markdown]

List the built-in rules with their IDs, default severities and titles, as read
from the rules' METADATA (json adds descriptions, remediations and help links;
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
	eng, err := policies.New(ctx, policies.Options{})
	if err != nil {
		return withCode(exitToolError, err)
	}
	rules := eng.Rules()
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

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/config"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// newFlagSet makes a flag set that returns errors instead of exiting and
// prints help from the command's own text.
func newFlagSet(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args; --help prints the help to stdout and returns
// errHelp.
func parseFlags(e *env, fs *pflag.FlagSet, args []string, help func(io.Writer, *pflag.FlagSet)) error {
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		help(e.stdout, fs)
		return errHelp
	}
	if err != nil {
		return usageErr("%s: %v; run 'apigw-preflight %s --help'", fs.Name(), err, fs.Name())
	}
	return nil
}

// errHelp ends a command that printed its help.
var errHelp = &exitError{code: exitPass}

func formatHelp() string {
	var b strings.Builder
	b.WriteString("Formats:\n")
	for _, f := range report.Formats() {
		fmt.Fprintf(&b, "  %-9s %s\n", f.Name, f.Description)
	}
	return b.String()
}

func checkHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight check [flags] SNAPSHOT...

Evaluate the built-in rules (MIG001 to MIG015) on snapshot files offline and
gate on the findings. Each SNAPSHOT is one pending migration (one API group and
its destination instance) in the apigw-preflight/v1 format; '-' reads standard
input. Every input is validated before anything is evaluated: one bad file
stops the run with exit 2 and no report is written.

A rule that lacks the data it needs says it could not check: an undecided
warning, failing the gate with --fail-on-undecided when the rule's default
severity is error. A snapshot collected more than --max-age ago gets the tool
finding AGP001 snapshot-stale. The configuration file's allowlists apply to
backends whose allowlist the snapshot leaves unknown (stderr names them).

Examples:
  apigw-preflight check snapshot.json
  apigw-preflight check -f text -f sarif=preflight.sarif -f junit=preflight.xml *.json
  aliyun-export | apigw-preflight check --fail-on warning -
  apigw-preflight check --fail-on-undecided --max-age 2d snapshot.json

Flags:
%s
%s
%s`, fs.FlagUsages(), formatHelp(), exitCodeHelp())
}

func runCheck(ctx context.Context, e *env, args []string) error {
	var rf reportFlags
	fs := newFlagSet("check")
	rf.register(fs)
	configFile := fs.String("config", "", "configuration `FILE` whose failOn, rpsHeadroom, defaultGroupRps and expiryWindowDays apply unless the flag is given, and whose allowlists apply to backends the snapshot has none for; default "+config.DefaultConfigFile+" if present")
	if err := parseFlags(e, fs, args, checkHelp); err != nil {
		return err
	}
	cfg, err := config.LoadConfig(*configFile, fs.Changed("config"))
	if err != nil {
		return usageErr("%v", err)
	}
	applyConfigDefaults(fs, &rf, cfg)
	p, err := rf.resolve(e)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErr("check: no snapshot given; usage: apigw-preflight check [flags] SNAPSHOT... ('-' reads stdin)")
	}
	docs, err := loadSnapshots(e, fs.Args())
	if err != nil {
		return err
	}
	for _, d := range docs {
		if filled := applyConfigAllowlists(cfg, d); len(filled) > 0 {
			fmt.Fprintf(e.stderr, "check: %s: %s without an allowlist in the snapshot take the allowlist of %s: %s\n",
				d.Name, countNoun(len(filled), "backend"), cfg.Path, strings.Join(filled, ", "))
		}
	}
	ev, err := newEvaluator(ctx, p)
	if err != nil {
		return err
	}
	migs := make([]report.Migration, 0, len(docs))
	for _, d := range docs {
		m, err := ev.evaluate(ctx, d)
		if err != nil {
			return err
		}
		migs = append(migs, m)
	}
	r := ev.result(migs, p.failOn)
	if err := writeReports(ctx, e, p, r); err != nil {
		return err
	}
	return exitFor(r)
}

// loadSnapshots reads and validates every input before any is evaluated.
// All bad inputs are named, then the run stops with exit 2.
func loadSnapshots(e *env, names []string) ([]*snapshot.Document, error) {
	stdinUsed := false
	var docs []*snapshot.Document
	var bad []string
	for _, n := range names {
		if n == "-" {
			if stdinUsed {
				return nil, usageErr("'-' (standard input) can be given only once")
			}
			stdinUsed = true
		}
		d, err := snapshot.LoadFile(n, e.stdin)
		if err != nil {
			var ie *snapshot.InputError
			if !errors.As(err, &ie) {
				return nil, withCode(exitToolError, err)
			}
			bad = append(bad, err.Error())
			continue
		}
		docs = append(docs, d)
	}
	switch len(bad) {
	case 0:
		return docs, nil
	case 1:
		return nil, usageErr("invalid snapshot: %s", bad[0])
	}
	return nil, usageErr("%d invalid snapshots:\n  %s", len(bad), strings.Join(bad, "\n  "))
}

// applyConfigAllowlists gives every backend of doc whose allowlist the
// snapshot leaves unknown (null or absent) the allowlist of the
// configuration's first matching entry, as collect and run do while
// collecting (config.Config.AllowlistFor). A backend with an allowlist,
// even an empty one, keeps it. It returns the backends filled in, as
// "host (allowlists[i], line n)", in snapshot order.
func applyConfigAllowlists(cfg *config.Config, doc *snapshot.Document) []string {
	if cfg == nil || len(cfg.Allowlists) == 0 {
		return nil
	}
	backends, _ := doc.Value["backends"].([]any)
	var filled []string
	for _, item := range backends {
		b, ok := item.(map[string]any)
		if !ok || b["allowlist"] != nil {
			continue
		}
		host, _ := b["host"].(string)
		var ips []string
		if list, ok := b["ips"].([]any); ok {
			for _, ip := range list {
				if s, ok := ip.(string); ok {
					ips = append(ips, s)
				}
			}
		}
		allow := cfg.AllowlistFor(host, ips)
		if allow == nil {
			continue
		}
		vals := make([]any, len(allow))
		for i, a := range allow {
			vals[i] = a
		}
		b["allowlist"] = vals
		name := host
		if name == "" {
			name, _ = b["address"].(string)
		}
		filled = append(filled, fmt.Sprintf("%s (%s)", name, matchedEntry(cfg, host, ips)))
	}
	return filled
}

// matchedEntry names the configuration entry AllowlistFor chose.
func matchedEntry(cfg *config.Config, host string, ips []string) string {
	for i, e := range cfg.Allowlists {
		one := &config.Config{Allowlists: []config.AllowlistEntry{e}}
		if one.AllowlistFor(host, ips) != nil {
			return fmt.Sprintf("allowlists[%d], match %q, line %d", i, e.Match, e.Line)
		}
	}
	return "no entry"
}

func countNoun(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

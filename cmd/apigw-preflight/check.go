package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/collector"
	"github.com/apigw-preflight/apigw-preflight/report"
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
		fmt.Fprintf(&b, "  %-6s %s\n", f.Name, f.Description)
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

Examples:
  apigw-preflight check snapshot.json
  apigw-preflight check -f text -f sarif=preflight.sarif -f junit=preflight.xml *.json
  aliyun-export | apigw-preflight check --fail-on warning -

Flags:
%s
%s
%s`, fs.FlagUsages(), formatHelp(), exitCodeHelp())
}

func runCheck(ctx context.Context, e *env, args []string) error {
	var rf reportFlags
	fs := newFlagSet("check")
	rf.register(fs)
	configFile := fs.String("config", "", "configuration `FILE` whose failOn, rpsHeadroom, defaultGroupRps and expiryWindowDays apply unless the flag is given; default "+collector.DefaultConfigFile+" if present")
	if err := parseFlags(e, fs, args, checkHelp); err != nil {
		return err
	}
	cfg, err := collector.LoadConfig(*configFile, fs.Changed("config"))
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
	ev, err := newEvaluator(ctx, p.config)
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
func loadSnapshots(e *env, names []string) ([]*collector.Document, error) {
	stdinUsed := false
	var docs []*collector.Document
	var bad []string
	for _, n := range names {
		if n == "-" {
			if stdinUsed {
				return nil, usageErr("'-' (standard input) can be given only once")
			}
			stdinUsed = true
		}
		d, err := collector.LoadFile(n, e.stdin)
		if err != nil {
			var ie *collector.InputError
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

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/collector"
	"github.com/apigw-preflight/apigw-preflight/report"
)

func runHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight run --group ID --to INSTANCE_ID [flags]

Collect, evaluate and report in one step: what 'collect' followed by 'check'
does, without the intermediate file (keep it with --snapshot-out). Credentials,
region and endpoint work as for 'collect'; the reporting flags as for 'check'.
The configuration file's failOn, rpsHeadroom, defaultGroupRps and
expiryWindowDays apply unless the matching flag is given.

Examples:
  apigw-preflight run --group 523e8dc7bbe0 --to apigateway-hz-ab12cd34ef56
  apigw-preflight run --group G --to I --fail-on warning -f text -f sarif=preflight.sarif --snapshot-out snapshot.json

Flags:
%s
%s
%s`, fs.FlagUsages(), formatHelp(), exitCodeHelp())
}

func runRun(ctx context.Context, e *env, args []string) error {
	var cf collectFlags
	var rf reportFlags
	fs := newFlagSet("run")
	cf.register(fs)
	rf.register(fs)
	snapOut := fs.String("snapshot-out", "", "also write the collected snapshot to `FILE` (atomically)")
	if err := parseFlags(e, fs, args, runHelp); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("run: unexpected argument %q; run 'apigw-preflight run --help'", fs.Arg(0))
	}
	if *snapOut == "-" {
		return usageErr("--snapshot-out: give a file; stdout carries the report")
	}
	if err := checkOutputDir("--snapshot-out", *snapOut); err != nil {
		return err
	}
	cfg, err := cf.loadConfig(fs)
	if err != nil {
		return err
	}
	applyConfigDefaults(fs, &rf, cfg)
	// Every flag is checked before the first cloud call.
	p, err := rf.resolve(e)
	if err != nil {
		return err
	}
	c, err := cf.run(ctx, e, "run", cfg)
	if err != nil {
		return err
	}
	name := "collected snapshot"
	if *snapOut != "" {
		if err := writeSnapshot(e, *snapOut, c.raw); err != nil {
			return err
		}
		name = *snapOut
	}
	doc, err := collector.Parse(name, c.raw)
	if err != nil {
		// The collector wrote something its own contract rejects: a bug,
		// not bad input.
		return withCode(exitToolError, fmt.Errorf("run: the collected snapshot does not validate: %w", err))
	}
	ev, err := newEvaluator(ctx, p.config)
	if err != nil {
		return err
	}
	m, err := ev.evaluate(ctx, doc)
	if err != nil {
		return err
	}
	r := ev.result([]report.Migration{m}, p.failOn)
	if err := writeReports(e, p, r); err != nil {
		return err
	}
	return exitFor(r)
}

// applyConfigDefaults takes the gate and rule settings of the
// configuration file for every flag not given on the command line.
func applyConfigDefaults(fs *pflag.FlagSet, rf *reportFlags, cfg *collector.Config) {
	if cfg == nil {
		return
	}
	if cfg.FailOn != "" && !fs.Changed("fail-on") {
		rf.failOn = cfg.FailOn
	}
	if cfg.RPSHeadroom != nil && !fs.Changed("rps-headroom") {
		rf.rpsHeadroom = *cfg.RPSHeadroom
	}
	if cfg.DefaultGroupRPS != nil && !fs.Changed("default-group-rps") {
		rf.defaultGroupRps = *cfg.DefaultGroupRPS
	}
	if cfg.ExpiryWindowDays != nil && !fs.Changed("expiry-window-days") {
		rf.expiryWindow = *cfg.ExpiryWindowDays
	}
}

// dirExists reports a missing parent directory of file.
func dirExists(file string) error {
	dir := filepath.Dir(file)
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return errors.New("directory " + dir + " does not exist; create it first")
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/preflight"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// newEngine loads the rule pack with the setup's tunables.
func newEngine(ctx context.Context, s *reportSetup) (*policies.Engine, error) {
	opts := policies.Options{Settings: s.settings, MaxAge: s.maxAge, Now: s.now, Only: s.only, Skip: s.skip}
	if s.pack != nil {
		opts.Packs, opts.Data = s.pack.Sources, s.pack.Data
	}
	eng, err := policies.New(ctx, opts)
	var se *policies.SettingError
	var pe *policies.PolicyError
	if errors.As(err, &se) || errors.As(err, &pe) {
		return nil, usageErr("%v", err)
	}
	if err != nil {
		return nil, withCode(exitToolError, fmt.Errorf("load policies: %w", err))
	}
	if s.waiverSet, err = s.waiverSetFor(eng); err != nil {
		return nil, err
	}
	return eng, nil
}

// evaluate runs the preflight over loaded documents and records, before
// any report is written, the exit code the verdict maps to, so reports
// can show it.
func evaluate(ctx context.Context, eng *policies.Engine, s *reportSetup, docs []*snapshot.Document) (*report.Result, error) {
	r, err := preflight.Run(ctx, eng, docs, preflightOptions(s))
	if err != nil {
		return nil, withCode(exitToolError, err)
	}
	pinTimes(s, r)
	r.ExitCode = verdictExit(r.Verdict())
	return r, nil
}

// pinTimes makes a replay with --now byte-identical in every format: the
// evaluation times (JUnit time) are written as 0.
func pinTimes(s *reportSetup, r *report.Result) {
	if s.now.IsZero() {
		return
	}
	for i := range r.Migrations {
		r.Migrations[i].Elapsed = 0
	}
}

// preflightOptions are the setup's judgement and labels for preflight.
func preflightOptions(s *reportSetup) preflight.Options {
	wd, _ := os.Getwd()
	now := s.now
	if now.IsZero() {
		now = time.Now()
	}
	return preflight.Options{
		FailOn:          s.failOn,
		FailOnUndecided: s.failOnUndecided,
		Tool:            toolInfo(),
		WorkDir:         wd,
		Now:             now.UTC(),
		Waivers:         s.waiverSet,
	}
}

func formatHelp() string {
	var b strings.Builder
	b.WriteString("Formats:\n")
	for _, f := range report.Formats() {
		fmt.Fprintf(&b, "  %-9s %s\n", f.Name, f.Description)
	}
	return b.String()
}

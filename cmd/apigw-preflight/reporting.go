package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

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
	r.ExitCode = verdictExit(r.Verdict())
	return r, nil
}

// preflightOptions are the setup's judgement and labels for preflight.
func preflightOptions(s *reportSetup) preflight.Options {
	wd, _ := os.Getwd()
	return preflight.Options{
		FailOn:          s.failOn,
		FailOnUndecided: s.failOnUndecided,
		Tool:            toolInfo(),
		WorkDir:         wd,
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

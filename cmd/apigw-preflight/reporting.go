package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
	"github.com/apigw-preflight/apigw-preflight/terraform"
)

// reportFlags are the evaluation and reporting flags shared by every command
// that evaluates snapshots (check, run).
type reportFlags struct {
	formats         []string
	failOn          string
	failOnUndecided bool
	maxAge          string
	now             string
	color           string
	rpsHeadroom     float64
	defaultGroupRps int
	expiryWindow    int
	sourceRoot      string
	sarifCategory   string
}

func (rf *reportFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&rf.formats, "format", "f", nil,
		"report `FORMAT[=FILE]`, repeatable; FORMAT is one of "+strings.Join(report.FormatNames(), ", ")+
			"; without =FILE the report goes to stdout (at most one); default text")
	fs.StringVar(&rf.failOn, "fail-on", "error", "gate threshold: "+strings.Join(report.ThresholdNames, ", ")+
		"; findings at or above it fail the gate (exit 3)")
	fs.BoolVar(&rf.failOnUndecided, "fail-on-undecided", false, "also fail the gate (exit 3) when a rule whose default severity is error could not check (an undecided finding), whatever --fail-on says")
	fs.StringVar(&rf.maxAge, "max-age", "7d", "AGP001 warns when a snapshot was collected more than `AGE` before now: a duration (36h) or days (7d); 0 turns the check off")
	fs.StringVar(&rf.now, "now", "", "measure snapshot ages at `TIME` (RFC 3339, e.g. 2026-11-21T00:00:00Z) instead of the clock, for reproducible reports")
	fs.StringVar(&rf.color, "color", "auto", "colour in the text report on stdout: auto (terminal and no NO_COLOR), always, never")
	fs.Float64Var(&rf.rpsHeadroom, "rps-headroom", 0.2, "MIG001: extra capacity required above the observed peak, as a fraction")
	fs.IntVar(&rf.defaultGroupRps, "default-group-rps", 500, "MIG002: the default group RPS limit; any other TrafficLimit needs a ticket")
	fs.IntVar(&rf.expiryWindow, "expiry-window-days", 30, "MIG011: warn when the destination expires within this many days")
	fs.StringVar(&rf.sourceRoot, "source-root", "", "report file locations (sarif, junit, github, gitlab) relative to `DIR`; default the git top level of the working directory (the nearest parent with .git), else the working directory")
	fs.StringVar(&rf.sarifCategory, "sarif-category", "", "set the sarif run's automationDetails.id (GitHub's analysis category) to `NAME`; default none, so the upload step's category applies")
}

// output is one report to produce.
type output struct {
	format report.Format
	file   string // "" for stdout
}

// plan is the validated form of reportFlags.
type plan struct {
	outputs         []output
	failOn          report.Threshold
	failOnUndecided bool
	maxAge          time.Duration // 0: AGP001 off
	now             time.Time     // zero: the clock
	color           bool
	config          map[string]any
	// sourceRoot is the absolute directory report locations are relative
	// to; sarifCategory the sarif run's category ("" for none).
	sourceRoot    string
	sarifCategory string
}

// locating returns the first output whose format points at lines of the
// input files (report.Format.Locates), or "".
func (p *plan) locating() string {
	for _, o := range p.outputs {
		if o.format.Locates {
			return o.format.Name
		}
	}
	return ""
}

func (rf *reportFlags) resolve(e *env) (*plan, error) {
	p := &plan{}
	var err error
	if p.failOn, err = report.ParseThreshold(rf.failOn); err != nil {
		return nil, usageErr("%v", err)
	}
	p.failOnUndecided = rf.failOnUndecided
	if p.maxAge, err = parseMaxAge(rf.maxAge); err != nil {
		return nil, usageErr("--max-age: %v", err)
	}
	if rf.now != "" {
		if p.now, err = time.Parse(time.RFC3339, strings.TrimSpace(rf.now)); err != nil {
			return nil, usageErr("--now %q: want an RFC 3339 time such as 2026-11-21T00:00:00Z", rf.now)
		}
	}
	specs := rf.formats
	if len(specs) == 0 {
		specs = []string{"text"}
	}
	seenFile := map[string]string{}
	stdout := ""
	for _, spec := range specs {
		name, file, _ := strings.Cut(spec, "=")
		f, err := report.Lookup(strings.TrimSpace(name))
		if err != nil {
			return nil, usageErr("--format %s: %v", spec, err)
		}
		if strings.Contains(spec, "=") && file == "" {
			return nil, usageErr("--format %s: empty file name after '='", spec)
		}
		if file == "" || file == "-" {
			if stdout != "" {
				return nil, usageErr("--format %s: only one report can go to stdout (%s already does); give the others =FILE", spec, stdout)
			}
			stdout = f.Name
			file = ""
		} else {
			if dir := filepath.Dir(file); dir != "." {
				if st, err := os.Stat(dir); err != nil || !st.IsDir() {
					return nil, usageErr("--format %s: directory %s does not exist; create it first", spec, dir)
				}
			}
			abs, _ := filepath.Abs(file)
			if prev, dup := seenFile[abs]; dup {
				return nil, usageErr("--format %s: %s is already the file of the %s report", spec, file, prev)
			}
			seenFile[abs] = f.Name
		}
		p.outputs = append(p.outputs, output{format: f, file: file})
	}
	switch rf.color {
	case "always":
		p.color = true
	case "never":
		p.color = false
	case "auto":
		p.color = e.stdoutTTY && e.getenv("NO_COLOR") == "" && e.getenv("TERM") != "dumb"
	default:
		return nil, usageErr("--color %q: want auto, always or never", rf.color)
	}
	if rf.rpsHeadroom < 0 || rf.rpsHeadroom > 10 {
		return nil, usageErr("--rps-headroom %v: want a fraction between 0 and 10 (0.2 means 20%%)", rf.rpsHeadroom)
	}
	if rf.defaultGroupRps <= 0 {
		return nil, usageErr("--default-group-rps %d: want a positive number", rf.defaultGroupRps)
	}
	if rf.expiryWindow < 0 {
		return nil, usageErr("--expiry-window-days %d: want zero or more", rf.expiryWindow)
	}
	if p.sourceRoot, err = resolveSourceRoot(rf.sourceRoot); err != nil {
		return nil, err
	}
	p.sarifCategory = strings.TrimSpace(rf.sarifCategory)
	if rf.sarifCategory != "" && (p.sarifCategory == "" || strings.IndexFunc(p.sarifCategory, unicode.IsControl) >= 0) {
		return nil, usageErr("--sarif-category %q: give a name without control characters, such as apigw-preflight/prod", rf.sarifCategory)
	}
	p.config = map[string]any{
		"rpsHeadroom":      rf.rpsHeadroom,
		"defaultGroupRps":  rf.defaultGroupRps,
		"expiryWindowDays": rf.expiryWindow,
	}
	return p, nil
}

// resolveSourceRoot returns --source-root as an absolute directory, or
// the default: the nearest directory holding .git (a directory, or the
// file a git worktree or submodule has) from the working directory up,
// else the working directory. No git command runs.
func resolveSourceRoot(flag string) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", withCode(exitToolError, fmt.Errorf("working directory: %w", err))
	}
	if flag != "" {
		dir := flag
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(wd, dir)
		}
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			return "", usageErr("--source-root %s: not a directory; give the repository's top level", flag)
		}
		return filepath.Clean(dir), nil
	}
	for dir := wd; ; {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd, nil
		}
		dir = parent
	}
}

// parseMaxAge reads --max-age: a Go duration ("36h") or whole days ("7d");
// zero turns the check off.
func parseMaxAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("%q: want a duration such as 36h, days such as 7d, or 0 to turn the check off", s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 36500 {
			return 0, bad
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, bad
	}
	return d, nil
}

// evaluator runs the rule pack over loaded snapshots and decides the gate
// the plan describes.
type evaluator struct {
	engine          *policies.Engine
	failOnUndecided bool
}

func newEvaluator(ctx context.Context, p *plan) (*evaluator, error) {
	eng, err := policies.New(ctx, policies.Options{Config: p.config, MaxAge: p.maxAge, Now: p.now})
	if err != nil {
		return nil, withCode(exitToolError, fmt.Errorf("load policies: %w", err))
	}
	return &evaluator{engine: eng, failOnUndecided: p.failOnUndecided}, nil
}

// evaluate checks one snapshot and returns its migration record.
func (ev *evaluator) evaluate(ctx context.Context, doc *snapshot.Document) (report.Migration, error) {
	start := time.Now()
	m := report.Migration{
		Input:       doc.Name,
		GroupID:     doc.GroupID,
		GroupName:   doc.GroupName,
		RegionID:    doc.RegionID,
		Source:      doc.SourceID,
		Destination: doc.DestID,
		CollectedAt: doc.CollectedAt,
		Findings:    []report.Finding{},
	}
	input, err := policies.InputValue(doc.Value)
	if err != nil {
		return m, withCode(exitToolError, fmt.Errorf("%s: %w", doc.Name, err))
	}
	findings, errs, err := ev.engine.Evaluate(ctx, input)
	if err != nil {
		return m, withCode(exitToolError, fmt.Errorf("evaluate %s: %w", doc.Name, err))
	}
	for i := range findings {
		f := &findings[i]
		if len(f.Path) > 0 {
			f.Line = doc.Lines.Line(f.Path)
		}
		f.Fingerprint = report.Fingerprint(m.GroupID, m.Destination, *f)
	}
	m.Findings = append(m.Findings, findings...)
	m.Errors = errs
	for _, r := range ev.engine.Rules() {
		m.Evaluated = append(m.Evaluated, r.ID)
	}
	m.Elapsed = time.Since(start)
	return m, nil
}

// evaluatePlan checks one Terraform plan with the plan rules and returns
// its record: a migration of kind terraform-plan whose findings name the
// plan's resources.
func (ev *evaluator) evaluatePlan(ctx context.Context, pl *terraform.Plan) (report.Migration, error) {
	start := time.Now()
	m := report.Migration{Input: pl.Name, Kind: report.KindTerraformPlan, Findings: []report.Finding{}}
	input, err := policies.InputValue(pl.Value)
	if err != nil {
		return m, withCode(exitToolError, fmt.Errorf("%s: %w", pl.Name, err))
	}
	findings, errs, err := ev.engine.EvaluatePlan(ctx, input)
	if err != nil {
		return m, withCode(exitToolError, fmt.Errorf("evaluate %s: %w", pl.Name, err))
	}
	for i := range findings {
		f := &findings[i]
		if len(f.Path) > 0 {
			f.Line = pl.Lines.Line(f.Path)
		}
		f.Fingerprint = report.Fingerprint("", "", *f)
	}
	m.Findings = append(m.Findings, findings...)
	m.Errors = errs
	for _, r := range ev.engine.PlanRules() {
		m.Evaluated = append(m.Evaluated, r.ID)
	}
	m.Elapsed = time.Since(start)
	return m, nil
}

// result assembles a Result and decides the exit code before any report is
// written, so reports can record it. The plan rules are described when a
// plan was evaluated.
func (ev *evaluator) result(migs []report.Migration, failOn report.Threshold) *report.Result {
	wd, _ := os.Getwd()
	rules := ev.engine.Rules()
	if slices.ContainsFunc(migs, func(m report.Migration) bool { return m.IsPlan() }) {
		rules = append(rules, ev.engine.PlanRules()...)
		slices.SortFunc(rules, func(a, b report.Rule) int { return strings.Compare(a.ID, b.ID) })
	}
	r := &report.Result{
		Tool:            toolInfo(),
		Rules:           rules,
		FailOn:          failOn,
		FailOnUndecided: ev.failOnUndecided,
		Migrations:      migs,
		WorkDir:         wd,
	}
	r.ExitCode = exitPass
	s := r.Summary()
	switch {
	case s.RuleErrors > 0:
		r.ExitCode = exitToolError
	case s.Failed > 0:
		r.ExitCode = exitGateFailed
	}
	return r
}

// exitFor turns a result's exit code into the error main expects.
func exitFor(r *report.Result) error {
	switch r.ExitCode {
	case exitPass:
		return nil
	case exitGateFailed:
		return errGateFailed
	case exitToolError:
		return withCode(exitToolError, fmt.Errorf("%d rule evaluation(s) failed; the reports list them", r.Summary().RuleErrors))
	}
	return &exitError{code: r.ExitCode}
}

package policies

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestOptions choose the Rego unit tests RunTests runs.
type TestOptions struct {
	// Packs are organisation policies loaded with their tests
	// (LoadOptions.WithTests); Data the organisation data they read.
	Packs []Source
	Data  map[string]any
	// Builtin runs the built-in pack's tests (lib and rules) too.
	Builtin bool
	// Run, when set, runs only the tests whose name (PACKAGE.RULE, as
	// TestResult.Name) it matches.
	Run *regexp.Regexp
	// Coverage records which lines of the policies the tests evaluated.
	Coverage bool
}

// TestResult is one Rego test's outcome.
type TestResult struct {
	// Name is the test's package (without data.) and rule name, e.g.
	// acme.approved_destination_test.test_other_destination_fires: unique
	// and stable across runs.
	Name     string
	Package  string // without data.
	Rule     string
	File     string
	Line     int
	Fail     bool
	Err      string // the evaluation error, "" when the test evaluated
	Skip     bool   // a todo_ test
	Duration time.Duration
}

// Failed reports whether the test failed or could not be evaluated.
func (r TestResult) Failed() bool { return r.Fail || r.Err != "" }

// TestRun is the outcome of RunTests.
type TestRun struct {
	Results []TestResult // sorted by file, line and name
	// Coverage is per policy file (tests excluded), sorted by file, when
	// TestOptions.Coverage was set.
	Coverage []FileCoverage
	// CoveredLines and NotCoveredLines total the files; Percent is the
	// total percentage (100 when no line is coverable).
	CoveredLines, NotCoveredLines int
	Percent                       float64
}

// FileCoverage is the share of one file's lines the tests evaluated.
type FileCoverage struct {
	File                          string
	CoveredLines, NotCoveredLines int
	Percent                       float64
}

// Counts returns the number of tests that passed, failed (or errored) and
// were skipped.
func (t *TestRun) Counts() (passed, failed, skipped int) {
	for _, r := range t.Results {
		switch {
		case r.Skip:
			skipped++
		case r.Failed():
			failed++
		default:
			passed++
		}
	}
	return
}

// RunTests runs Rego unit tests with OPA's tester: those of opts.Packs
// and, with opts.Builtin, the built-in ones, with the built-in pack, the
// generated entrypoint and the organisation data loaded as the engine
// loads them (so an org test can query data.apigw.lib, a rule's findings
// or data.apigw.findings). A policy that breaks the org rule contract or
// does not compile is a *PolicyError naming file:line:col.
func RunTests(ctx context.Context, opts TestOptions) (*TestRun, error) {
	eng, err := New(ctx, Options{Packs: opts.Packs, Data: opts.Data})
	if err != nil {
		return nil, err
	}
	mods, err := LoadModules(Builtin, opts.Builtin)
	if err != nil {
		return nil, fmt.Errorf("load built-in policies: %w", err)
	}
	builtin := map[string]bool{}
	for file := range mods {
		builtin[file] = true
	}
	for file, src := range eng.GeneratedModules() {
		builtin[file] = true
		if mods[file], err = ParseModule(file, src); err != nil {
			return nil, fmt.Errorf("generated %s: %w", file, err)
		}
	}
	for _, src := range opts.Packs {
		for _, m := range src.Modules {
			mods[m.File] = m.Parsed
		}
	}
	// The built-in pack alone is held to strict mode, as the engine
	// holds it.
	comp := ast.NewCompiler().WithStrict(len(opts.Packs) == 0).WithDefaultRegoVersion(ast.RegoV1)
	store := storeFor(eng.SettingsDocument(), opts.Data)
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer store.Abort(ctx, txn)
	runner := tester.NewRunner().SetCompiler(comp).SetStore(store).SetModules(mods).
		SetDefaultRegoVersion(ast.RegoV1).RaiseBuiltinErrors(true)
	if opts.Run != nil {
		// Only the tests --run names run (so that coverage is theirs):
		// each is a prefix matcher of its own path.
		var refs []ast.Ref
		for _, m := range mods {
			pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
			for _, r := range m.Rules {
				ref := r.Head.Ref().GroundPrefix()
				name := ref.String()
				if (strings.HasPrefix(name, tester.TestPrefix) || strings.HasPrefix(name, tester.SkipTestPrefix)) && opts.Run.MatchString(pkg+"."+name) {
					refs = append(refs, m.Package.Path.Extend(ref))
				}
			}
		}
		if len(refs) == 0 {
			return &TestRun{}, nil
		}
		runner = runner.SetPrefixMatchers(refs...)
	}
	var cov *cover.Cover
	if opts.Coverage {
		cov = cover.New()
		runner = runner.SetCoverageQueryTracer(cov)
	}
	ch, err := runner.RunTests(ctx, txn)
	if err != nil {
		var errs ast.Errors
		if errors.As(err, &errs) {
			return nil, compileError(errs)
		}
		return nil, fmt.Errorf("run the tests: %w", err)
	}
	run := &TestRun{}
	for r := range ch {
		pkg := strings.TrimPrefix(r.Package, "data.")
		tr := TestResult{
			Name:     pkg + "." + r.Name,
			Package:  pkg,
			Rule:     r.Name,
			Fail:     r.Fail,
			Skip:     r.Skip,
			Duration: r.Duration,
		}
		if r.Location != nil {
			tr.File, tr.Line = r.Location.File, r.Location.Row
		}
		if r.Error != nil {
			tr.Err = r.Error.Error()
		}
		if opts.Run != nil && !opts.Run.MatchString(tr.Name) {
			continue
		}
		run.Results = append(run.Results, tr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(run.Results, func(a, b TestResult) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return strings.Compare(a.Name, b.Name)
	})
	if cov != nil {
		covered := map[string]*ast.Module{}
		for file, m := range mods {
			if !strings.HasSuffix(file, "_test.rego") && eng.generated[file] == "" && (opts.Builtin || !builtin[file]) {
				covered[file] = m
			}
		}
		rep := cov.Report(covered)
		for file, fr := range rep.Files {
			if covered[file] == nil {
				continue
			}
			run.Coverage = append(run.Coverage, FileCoverage{File: file, CoveredLines: fr.CoveredLines, NotCoveredLines: fr.NotCoveredLines, Percent: fr.Coverage})
			run.CoveredLines += fr.CoveredLines
			run.NotCoveredLines += fr.NotCoveredLines
		}
		slices.SortFunc(run.Coverage, func(a, b FileCoverage) int { return strings.Compare(a.File, b.File) })
		run.Percent = 100
		if n := run.CoveredLines + run.NotCoveredLines; n > 0 {
			run.Percent = 100 * float64(run.CoveredLines) / float64(n)
		}
	}
	return run, nil
}

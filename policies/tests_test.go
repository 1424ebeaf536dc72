package policies

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

const covered = `package cov

import data.apigw.lib

big if lib.num(input.n) > 10

small if {
	lib.num(input.n) <= 10
	input.flag
}
`

const coveredTests = `package cov_test

import data.cov

test_big if cov.big with input as {"n": 11}

test_big_fails if cov.big with input as {"n": 1}

test_errors if 1 / 0

test_group_id if data.apigw.lib.group_id == "g1" with input as {"group": {"GroupId": "g1"}}

todo_test_later if false
`

type testOutcome struct {
	Name       string
	Line       int
	Fail, Skip bool
	Errored    bool
}

func outcomes(run *TestRun) []testOutcome {
	var out []testOutcome
	for _, r := range run.Results {
		out = append(out, testOutcome{r.Name, r.Line, r.Fail, r.Skip, r.Err != ""})
	}
	return out
}

func TestRunTests(t *testing.T) {
	ctx := context.Background()
	dir := writeFiles(t, map[string]string{"cov/cov.rego": covered, "cov/cov_test.rego": coveredTests})
	pack, err := LoadPackWith([]string{dir}, nil, LoadOptions{WithTests: true})
	if err != nil {
		t.Fatal(err)
	}
	run, err := RunTests(ctx, TestOptions{Packs: pack.Sources, Coverage: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []testOutcome{
		{"cov_test.test_big", 5, false, false, false},
		{"cov_test.test_big_fails", 7, true, false, false},
		{"cov_test.test_errors", 9, true, false, true},
		{"cov_test.test_group_id", 11, false, false, false},
		{"cov_test.todo_test_later", 13, false, true, false},
	}
	if got := outcomes(run); !reflect.DeepEqual(got, want) {
		t.Errorf("results:\n got %+v\nwant %+v", got, want)
	}
	for _, r := range run.Results {
		if r.File != filepath.Join(dir, "cov/cov_test.rego") {
			t.Errorf("%s: file %s", r.Name, r.File)
		}
	}
	if p, f, s := run.Counts(); p != 2 || f != 2 || s != 1 {
		t.Errorf("counts %d passed, %d failed, %d skipped; want 2, 2, 1", p, f, s)
	}
	if e := run.Results[2].Err; !strings.Contains(e, "divide by zero") {
		t.Errorf("test_errors: error %q", e)
	}
	// Coverage: the policy file only (not the test, not the built-in
	// lib): line 5 (big) is evaluated, 7 to 9 (small) are not.
	if len(run.Coverage) != 1 || run.Coverage[0].File != filepath.Join(dir, "cov/cov.rego") {
		t.Fatalf("coverage files: %+v", run.Coverage)
	}
	c := run.Coverage[0]
	if c.CoveredLines == 0 || c.NotCoveredLines == 0 || c.CoveredLines+c.NotCoveredLines != run.CoveredLines+run.NotCoveredLines {
		t.Errorf("coverage %+v, total %d/%d", c, run.CoveredLines, run.NotCoveredLines)
	}
	if wantPct := 100 * float64(c.CoveredLines) / float64(c.CoveredLines+c.NotCoveredLines); c.Percent != wantPct || run.Percent != wantPct {
		t.Errorf("percent %v (file) %v (total), want %v", c.Percent, run.Percent, wantPct)
	}
	if c.CoveredLines != 1 || c.NotCoveredLines != 3 || c.Percent != 25 {
		t.Errorf("coverage %+v; want 1 line covered (big, line 5), 3 not (small, lines 7 to 9): 25%%", c)
	}

	// --run keeps the matching names only.
	run, err = RunTests(ctx, TestOptions{Packs: pack.Sources, Run: regexp.MustCompile(`big`)})
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomes(run); !reflect.DeepEqual(got, want[:2]) {
		t.Errorf("--run big: %+v", got)
	}
	if run.Coverage != nil {
		t.Errorf("coverage without Coverage: %+v", run.Coverage)
	}
}

func TestRunTestsWithOrgDataAndBuiltin(t *testing.T) {
	ctx := context.Background()
	pack, err := LoadPackWith([]string{"../testdata/policies/acme"}, []string{"../testdata/policies/data"}, LoadOptions{WithTests: true})
	if err != nil {
		t.Fatal(err)
	}
	run, err := RunTests(ctx, TestOptions{Packs: pack.Sources, Data: pack.Data, Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	if p, f, _ := run.Counts(); f != 0 || p < 100 {
		t.Errorf("%d passed, %d failed; want every built-in and org test to pass", p, f)
	}
	names := map[string]bool{}
	for _, r := range run.Results {
		if names[r.Name] {
			t.Errorf("test name %s is not unique", r.Name)
		}
		names[r.Name] = true
	}
	for _, n := range []string{"acme.approved_destination_test.test_other_destination_fires", "apigw.rules.rps_capacity_test.test_healthy_is_quiet"} {
		if !names[n] {
			t.Errorf("no test %s", n)
		}
	}
}

func TestRunTestsCompileError(t *testing.T) {
	dir := writeFiles(t, map[string]string{"p/p.rego": "package p\n\nx if {\n\ty == 1\n}\n", "p/p_test.rego": "package p_test\n\ntest_x if data.p.x\n"})
	pack, err := LoadPackWith([]string{dir}, nil, LoadOptions{WithTests: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = RunTests(context.Background(), TestOptions{Packs: pack.Sources})
	var pe *PolicyError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), filepath.Join(dir, "p/p.rego")+":4:2: var y is unsafe") {
		t.Fatalf("want a PolicyError naming p.rego:4:2, got %v", err)
	}
	// A test that does not compile is named too.
	dir = writeFiles(t, map[string]string{"q/q_test.rego": "package q_test\n\ntest_x if {\n\tnope(1)\n}\n"})
	pack, err = LoadPackWith([]string{dir}, nil, LoadOptions{WithTests: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = RunTests(context.Background(), TestOptions{Packs: pack.Sources})
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), filepath.Join(dir, "q/q_test.rego")+":4:2:") {
		t.Fatalf("want a PolicyError naming q_test.rego:4:2, got %v", err)
	}
}

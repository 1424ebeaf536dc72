package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// jobsInputs copies the shared samples, every rule's firing samples (the
// Terraform plan among them) and a few healthy variants into dir/in, and
// returns their paths relative to dir in the order the directory walk
// gives them.
func jobsInputs(t *testing.T, dir string) []string {
	t.Helper()
	in := filepath.Join(dir, "in")
	if err := os.MkdirAll(filepath.Join(in, "more"), 0o755); err != nil {
		t.Fatal(err)
	}
	var srcs []string
	for _, g := range []string{"testdata/snapshots/*.json", "policies/rules/*/testdata/*.json"} {
		m, err := filepath.Glob(repoFile(t, g))
		if err != nil || len(m) == 0 {
			t.Fatalf("no samples for %s: %v", g, err)
		}
		srcs = append(srcs, m...)
	}
	for _, src := range srcs {
		raw, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if fleetInput(raw) {
			continue // an audit's input (MIG017's sample), not a snapshot
		}
		write(t, in, filepath.Base(filepath.Dir(filepath.Dir(src)))+"-"+filepath.Base(src), string(raw))
	}
	for _, name := range []string{"a.json", "b.json", "c.json"} {
		mutate(t, filepath.Join(in, "more"), name, func(doc map[string]any) {
			doc["group"].(map[string]any)["GroupName"] = strings.TrimSuffix(name, ".json")
		})
	}
	write(t, in, "notes.txt", "not a snapshot: check DIR reads *.json files only")
	var files []string
	filepath.WalkDir(in, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".json" {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return err
	})
	return files
}

var junitTime = regexp.MustCompile(`time="[0-9.]+"`)

// check writes the same report in every format whatever the number of
// workers, and check DIR is check of the directory's *.json files in
// lexical order.
func TestCheckJobsDeterministic(t *testing.T) {
	dir := t.TempDir()
	files := jobsInputs(t, dir)
	if len(files) < 30 {
		t.Fatalf("only %d inputs", len(files))
	}
	run := func(out string, inputs ...string) map[string]string {
		t.Helper()
		if err := os.Mkdir(filepath.Join(dir, out), 0o755); err != nil {
			t.Fatal(err)
		}
		args := []string{"check", "--now", "2026-11-21T00:00:00Z"}
		for _, f := range report.FormatNames() {
			args = append(args, "-f", f+"="+filepath.Join(out, f))
		}
		r := runCLI(t, dir, nil, append(args, inputs...)...)
		if r.code != 3 {
			t.Fatalf("%s: exit %d, want 3 (the firing samples fail the gate)\nstderr: %s", out, r.code, r.stderr)
		}
		got := map[string]string{}
		for _, f := range report.FormatNames() {
			raw, err := os.ReadFile(filepath.Join(dir, out, f))
			if err != nil {
				t.Fatal(err)
			}
			// JUnit's time attributes are how long the evaluation took,
			// the only measured (not computed) values in a report.
			got[f] = junitTime.ReplaceAllString(string(raw), `time="T"`)
		}
		return got
	}
	one := run("jobs1", append([]string{"--jobs", "1"}, files...)...)
	four := run("jobs4", append([]string{"--jobs", "4"}, files...)...)
	walked := run("dir", "--jobs", "3", "in")
	for _, f := range report.FormatNames() {
		if one[f] != four[f] {
			t.Errorf("%s report differs between --jobs 1 and --jobs 4", f)
		}
		if walked[f] != one[f] {
			t.Errorf("%s report of check DIR differs from the one of its files", f)
		}
	}
	// Every input is in the JSON report, the snapshots in input order
	// (Terraform plans come after them).
	last := -1
	for _, f := range files {
		if strings.Contains(f, "terraform_replace") {
			continue
		}
		i := strings.Index(one["json"], `"`+f+`"`)
		if i < 0 {
			t.Errorf("json report does not name input %s", f)
			continue
		}
		if i < last {
			t.Errorf("input %s is out of order in the json report", f)
		}
		last = i
	}
	if !slices.IsSorted(files) {
		t.Errorf("the walk is not in lexical order: %v", files)
	}
}

// A bad input among many stops the run with exit 2 and writes no report,
// whatever the number of workers; every bad input is named.
func TestCheckJobsBadInputWritesNothing(t *testing.T) {
	dir := t.TempDir()
	jobsInputs(t, dir)
	write(t, filepath.Join(dir, "in"), "zz-broken.json", `{"schemaVersion": `)
	write(t, filepath.Join(dir, "in"), "aa-broken.json", `[]`)
	for _, jobs := range []string{"1", "4"} {
		out := filepath.Join(dir, "r-"+jobs+".json")
		r := runCLI(t, dir, nil, "check", "--jobs", jobs, "-f", "json="+out, "in")
		if r.code != 2 {
			t.Fatalf("--jobs %s: exit %d, want 2\nstderr: %s", jobs, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "2 invalid snapshots") || !strings.Contains(r.stderr, "aa-broken.json") || !strings.Contains(r.stderr, "zz-broken.json") {
			t.Errorf("--jobs %s: stderr does not name both bad inputs:\n%s", jobs, r.stderr)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("--jobs %s: a report was written despite the bad inputs (%v)", jobs, err)
		}
	}
}

// --jobs takes a count of workers; an empty directory is refused.
func TestCheckJobsUsage(t *testing.T) {
	dir := t.TempDir()
	if r := runCLI(t, dir, nil, "check", "--jobs", "-1", repoFile(t, "testdata/snapshots/healthy.json")); r.code != 2 || !strings.Contains(r.stderr, "--jobs -1") {
		t.Errorf("--jobs -1: exit %d, stderr %q", r.code, r.stderr)
	}
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, dir, nil, "check", "empty"); r.code != 2 || !strings.Contains(r.stderr, "holds no *.json snapshot") {
		t.Errorf("check of an empty directory: exit %d, stderr %q", r.code, r.stderr)
	}
}

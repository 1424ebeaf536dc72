package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/policies"
)

// conftestBinary finds conftest on PATH or in ~/go/bin (where .ci/run
// installs it), or skips the test saying how to install it.
func conftestBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("conftest"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		if p := filepath.Join(home, "go", "bin", "conftest"); fileExists(p) {
			return p
		}
	}
	t.Skip("conftest is not installed (go install github.com/open-policy-agent/conftest@v0.71.1); the verdict comparison with conftest test is skipped")
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

type verdict struct{ Failures, Warnings int }

// TestConftestVerdictsMatch runs an unchanged conftest policy directory
// through conftest test and through check --policy on the same snapshots
// and compares the failures and warnings of every file.
func TestConftestVerdictsMatch(t *testing.T) {
	conftest := conftestBinary(t)
	dir := t.TempDir()
	inputs := []string{
		repoFile(t, "testdata/snapshots/healthy.json"),
		repoFile(t, "testdata/snapshots/vpc-connect-healthy.json"),
		mutate(t, dir, "tls12.json", func(d map[string]any) {
			d["group"].(map[string]any)["HttpsPolicy"] = "HTTPS2_TLS1_2"
			d["group"].(map[string]any)["Description"] = "orders API"
		}),
		mutate(t, dir, "big.json", func(d map[string]any) { d["group"].(map[string]any)["TrafficLimit"] = 6000 }),
	}
	policy := repoFile(t, "testdata/policies/conftest")
	cmd := exec.Command(conftest, append([]string{"test", "--no-color", "-o", "json", "-p", policy}, inputs...)...)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		t.Fatalf("conftest test: %v\n%s", err, out)
	}
	var results []struct {
		Filename string
		Failures []json.RawMessage
		Warnings []json.RawMessage
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("conftest output: %v\n%s", err, out)
	}
	want := map[string]verdict{}
	for _, r := range results {
		want[r.Filename] = verdict{len(r.Failures), len(r.Warnings)}
	}

	id := policies.DerivedID("data.main")
	res := runCLI(t, dir, nil, append([]string{"check", "--now", "2026-12-01T00:00:00Z", "--only", id, "--policy", policy, "-f", "json"}, inputs...)...)
	if res.code != 3 {
		t.Fatalf("check: exit %d, want 3\n%s", res.code, res.stderr)
	}
	var rep struct {
		Migrations []struct {
			Input    string
			Findings []struct{ RuleID, Severity string }
		}
	}
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]verdict{}
	for _, m := range rep.Migrations {
		v := verdict{}
		for _, f := range m.Findings {
			if f.RuleID != id {
				t.Errorf("%s: finding of %s, want only %s (--only)", m.Input, f.RuleID, id)
			}
			switch f.Severity {
			case "error":
				v.Failures++
			case "warning":
				v.Warnings++
			}
		}
		got[m.Input] = v
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("check --policy verdicts %v\nconftest test verdicts %v", got, want)
	}
	// The samples must exercise every kind of verdict.
	var f, w, quiet bool
	for _, v := range want {
		f, w, quiet = f || v.Failures > 1, w || v.Warnings > 0, quiet || v == verdict{}
	}
	if !f || !w || !quiet {
		t.Errorf("the samples should give several failures, a warning and a clean file: %v", want)
	}
}

// TestPolicyErrorsExitTwo: a policy that does not compile, a reserved ID,
// and data that writes data.apigw each stop check with exit 2 naming the
// places, before any report is written.
func TestPolicyErrorsExitTwo(t *testing.T) {
	dir := t.TempDir()
	snap := repoFile(t, "testdata/snapshots/healthy.json")
	os.MkdirAll(filepath.Join(dir, "bad"), 0o755)
	os.MkdirAll(filepath.Join(dir, "mig"), 0o755)
	write(t, dir, "bad/x.rego", "package acme\n\ndeny contains m if {\n\tm := nosuch(1)\n}\n")
	write(t, dir, "mig/x.rego", "# METADATA\n# custom:\n#   id: MIG003\n#   name: mine\n#   severity: error\n#   remediation: r\npackage acme.mine\n\nfindings := set()\n")
	write(t, dir, "apigw.json", `{"apigw": {"params": {"MIG001": {"rpsHeadroom": 9}}}}`)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--policy", "bad"}, []string{"bad/x.rego:4:7:", "nosuch"}},
		{[]string{"--policy", "mig"}, []string{"mig/x.rego: rule ID MIG003 is the built-in rule MIG003", "policies/rules/https_policy"}},
		{[]string{"--data", "apigw.json"}, []string{"apigw.json writes data.apigw, which is reserved"}},
		{[]string{"--only", "NOPE1"}, []string{"--only NOPE1: unknown rule"}},
	} {
		args := append(append([]string{"check", "-f", "json=out.json"}, tc.args...), snap)
		res := runCLI(t, dir, nil, args...)
		if res.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", tc.args, res.code, res.stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(res.stderr, w) {
				t.Errorf("%v: stderr %q, want %q", tc.args, res.stderr, w)
			}
		}
		if fileExists(filepath.Join(dir, "out.json")) {
			t.Fatalf("%v: a report was written", tc.args)
		}
	}
}

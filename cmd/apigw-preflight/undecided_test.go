package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fresh pins the clock an hour after the samples were collected, so only
// the tests about age see AGP001.
const fresh = "--now=2026-11-20T09:00:00Z"

func TestFailOnUndecided(t *testing.T) {
	dir := t.TempDir()
	qpsForbidden := mutate(t, dir, "qps.json", func(d map[string]any) {
		delete(d, "traffic")
		d["collectionErrors"] = []any{map[string]any{"call": "DescribeGroupQps", "code": "Forbidden.RAM", "message": "User not authorized to operate on the specified resource."}}
	})
	// A read no error rule depends on: only MIG015 (a warning rule) is undecided.
	unknownCall := mutate(t, dir, "unknown.json", func(d map[string]any) {
		d["collectionErrors"] = []any{map[string]any{"call": "DescribeFoo", "code": "InternalError"}}
	})
	cases := []struct {
		name   string
		args   []string
		want   int
		stdout []string
	}{
		{"off: an undecided error rule is a warning", []string{"check", fresh, qpsForbidden}, exitPass,
			[]string{"PASS  orders", "WARNING MIG001 rps-capacity UNDECIDED could not check the RPS capacity", "0 failed the gate (--fail-on error): 0 errors, 2 warnings, 0 notes, 2 undecided findings."}},
		{"on: it fails the gate", []string{"check", fresh, "--fail-on-undecided", qpsForbidden}, exitGateFailed,
			[]string{"FAIL  orders", "1 failed the gate (--fail-on error --fail-on-undecided)"}},
		{"on: an undecided warning rule passes", []string{"check", fresh, "--fail-on-undecided", unknownCall}, exitPass,
			[]string{"WARNING MIG015 data-unavailable UNDECIDED could not check", "0 failed the gate (--fail-on error --fail-on-undecided)"}},
		{"on: a decided snapshot passes", []string{"check", fresh, "--fail-on-undecided", repoFile(t, "testdata/snapshots/healthy.json")}, exitPass,
			[]string{fmt.Sprintf("no findings: %d rules passed", len(builtinRules(t))+1)}}, // and AGP001
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, dir, "", c.args...)
			if r.code != c.want {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr: %s", r.code, c.want, r.stdout, r.stderr)
			}
			for _, s := range c.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
		})
	}

	// The JSON report records the gate and agrees with the exit code.
	r := runCLI(t, dir, "", "check", fresh, "--fail-on-undecided", "-f", "json", qpsForbidden)
	var rep struct {
		FailOnUndecided bool `json:"failOnUndecided"`
		Passed          bool `json:"passed"`
		ExitCode        int  `json:"exitCode"`
		Migrations      []struct {
			Findings []struct {
				RuleID    string `json:"ruleId"`
				Undecided bool   `json:"undecided"`
			} `json:"findings"`
		} `json:"migrations"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	var undecided []string
	for _, f := range rep.Migrations[0].Findings {
		if f.Undecided {
			undecided = append(undecided, f.RuleID)
		}
	}
	if r.code != exitGateFailed || !rep.FailOnUndecided || rep.Passed || rep.ExitCode != exitGateFailed ||
		strings.Join(undecided, ",") != "MIG001,MIG015" {
		t.Errorf("exit %d; json failOnUndecided=%v passed=%v exitCode=%d undecided=%v", r.code, rep.FailOnUndecided, rep.Passed, rep.ExitCode, undecided)
	}
}

func TestMaxAge(t *testing.T) {
	healthy := repoFile(t, "testdata/snapshots/healthy.json") // collected 2026-11-20T08:00:00Z
	const later = "--now=2026-12-01T10:00:00Z"
	stale := "WARNING AGP001 snapshot-stale The snapshot was collected at 2026-11-20T08:00:00Z, 11 days 2 hours before 2026-12-01T10:00:00Z, which is more than the maximum age of 7 days"
	cases := []struct {
		name   string
		args   []string
		want   int
		stdout string
		absent string
	}{
		{"stale snapshot warns", []string{"check", later, healthy}, exitPass, stale, ""},
		{"and fails at warning", []string{"check", later, "--fail-on", "warning", healthy}, exitGateFailed, "1 failed the gate (--fail-on warning): 0 errors, 1 warning", ""},
		{"a longer max age accepts it", []string{"check", later, "--max-age", "12d", "--fail-on", "warning", healthy}, exitPass, fmt.Sprintf("no findings: %d rules passed", len(builtinRules(t))+1), "AGP001"},
		{"hours", []string{"check", fresh, "--max-age", "30m", healthy}, exitPass, "which is more than the maximum age of 30 minutes", ""},
		{"zero turns it off", []string{"check", later, "--max-age", "0", "--fail-on", "warning", healthy}, exitPass, fmt.Sprintf("no findings: %d rules passed", len(builtinRules(t))), "AGP001"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, t.TempDir(), "", c.args...)
			if r.code != c.want || !strings.Contains(r.stdout, c.stdout) || (c.absent != "" && strings.Contains(r.stdout, c.absent)) {
				t.Fatalf("exit %d, want %d; stdout (want %q, not %q):\n%s\nstderr: %s", r.code, c.want, c.stdout, c.absent, r.stdout, r.stderr)
			}
		})
	}
	for _, args := range [][]string{
		{"check", "--max-age", "soon", healthy},
		{"check", "--max-age", "-1h", healthy},
		{"check", "--now", "yesterday", healthy},
	} {
		if r := runCLI(t, t.TempDir(), "", args...); r.code != exitUsage || !strings.Contains(r.stderr, args[1]) {
			t.Errorf("%v: exit %d stderr %q; want exit 2 naming %s", args, r.code, r.stderr, args[1])
		}
	}

	// SARIF has a rule descriptor for the tool finding and a result for it.
	dir := t.TempDir()
	if r := runCLI(t, dir, "", "check", later, "-f", "sarif=out.sarif", healthy); r.code != exitPass {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "out.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID   string `json:"id"`
						Name string `json:"name"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(raw, &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Results) != 1 || run.Results[0].RuleID != "AGP001" || run.Results[0].Level != "warning" ||
		run.Tool.Driver.Rules[run.Results[0].RuleIndex].Name != "snapshot-stale" {
		t.Errorf("sarif results %+v, rules %+v", run.Results, run.Tool.Driver.Rules)
	}
}

func TestCheckAppliesConfigAllowlists(t *testing.T) {
	dir := t.TempDir()
	// The healthy sample's public backend 47.97.3.3, its allowlist unknown;
	// the destination sends from 47.96.7.7.
	unknown := mutate(t, dir, "unknown.json", func(d map[string]any) {
		d["backends"].([]any)[0].(map[string]any)["allowlist"] = nil
	})
	empty := mutate(t, dir, "empty.json", func(d map[string]any) {
		d["backends"].([]any)[0].(map[string]any)["allowlist"] = []any{}
	})
	write(t, dir, "denies.yaml", "allowlists:\n  - match: 47.97.3.3\n    allow: [47.96.1.1]\n")
	write(t, dir, "admits.yaml", "allowlists:\n  - match: \"*.example.com\"\n    allow: []\n  - match: 47.97.0.0/16\n    allow: [47.96.0.0/16]\n")
	write(t, dir, "other.yaml", "allowlists:\n  - match: orders.internal.example.com\n    allow: [47.96.0.0/16]\n")
	cases := []struct {
		name           string
		args           []string
		want           int
		stdout, stderr string
	}{
		{"without a configuration the allowlist stays unknown", []string{"check", fresh, unknown}, exitPass,
			"WARNING MIG004 egress-allowlist", ""},
		{"a matching entry that misses the egress fails", []string{"check", fresh, "--config", "denies.yaml", unknown}, exitGateFailed,
			"ERROR   MIG004 egress-allowlist backend 47.97.3.3",
			"check: " + unknown + ": 1 backend without an allowlist in the snapshot take the allowlist of denies.yaml: 47.97.3.3 (allowlists[0], match \"47.97.3.3\", line 2)"},
		{"a matching entry that admits it passes", []string{"check", fresh, "--config", "admits.yaml", unknown}, exitPass,
			"no findings", "47.97.3.3 (allowlists[1], match \"47.97.0.0/16\", line 4)"},
		{"no matching entry: still unknown, nothing said", []string{"check", fresh, "--config", "other.yaml", unknown}, exitPass,
			"WARNING MIG004 egress-allowlist", ""},
		{"the snapshot's own allowlist wins, even empty", []string{"check", fresh, "--config", "admits.yaml", empty}, exitGateFailed,
			"ERROR   MIG004 egress-allowlist", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, dir, "", c.args...)
			if r.code != c.want || !strings.Contains(r.stdout, c.stdout) {
				t.Fatalf("exit %d, want %d; stdout (want %q):\n%s\nstderr: %s", r.code, c.want, c.stdout, r.stdout, r.stderr)
			}
			if c.stderr == "" && r.stderr != "" || !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("stderr %q, want %q", r.stderr, c.stderr)
			}
		})
	}
}

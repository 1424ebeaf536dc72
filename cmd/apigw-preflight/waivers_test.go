package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
)

const replayWaivers = `waivers:
  - id: orders-rps
    rule: MIG002
    group: orders
    reason: Alibaba Cloud support migrates the group
    owner: team-orders
    ticket: SR-1
    expires: 2026-12-05
  - id: old
    rule: MIG003
    group: orders
    reason: expired
    owner: team-orders
    expires: 2026-11-01
  - id: unused
    rule: MIG004
    group: payments
    reason: nothing matches
    owner: team-payments
    expires: 2026-12-03
`

// TestWaiverReplayIsByteIdentical: with --now, two runs over the same
// snapshot and waivers write the same bytes in every format.
func TestWaiverReplayIsByteIdentical(t *testing.T) {
	snap, err := os.ReadFile(repoFile(t, "testdata/snapshots/healthy.json"))
	if err != nil {
		t.Fatal(err)
	}
	snap = bytes.Replace(snap, []byte(`"TrafficLimit": 500`), []byte(`"TrafficLimit": 800`), 1)
	if !bytes.Contains(snap, []byte(`"TrafficLimit": 800`)) {
		t.Fatal("the sample's TrafficLimit was not found")
	}
	var runs [2]map[string][]byte
	dir := t.TempDir() // one directory: SARIF records it (originalUriBaseIds)
	for i := range runs {
		for name, b := range map[string][]byte{"snap.json": snap, "waivers.yaml": []byte(replayWaivers)} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		args := []string{"check", "--now", "2026-11-25T00:00:00Z", "--waivers", "waivers.yaml", "--source-root", "."}
		for _, f := range report.FormatNames() {
			args = append(args, "-f", f+"="+f+".out")
		}
		r := runCLI(t, dir, nil, append(args, "snap.json")...)
		if r.code != 0 {
			t.Fatalf("check: exit %d, want 0 (MIG002 waived)\n%s", r.code, r.stderr)
		}
		runs[i] = map[string][]byte{}
		for _, f := range report.FormatNames() {
			b, err := os.ReadFile(filepath.Join(dir, f+".out"))
			if err != nil {
				t.Fatal(err)
			}
			runs[i][f] = b
			if err := os.Remove(filepath.Join(dir, f+".out")); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range report.FormatNames() {
		if !bytes.Equal(runs[0][f], runs[1][f]) {
			t.Errorf("%s: two runs with --now differ:\n%s\n---\n%s", f, runs[0][f], runs[1][f])
		}
		for _, want := range []string{"orders-rps", "AGP002", "AGP003", "AGP004"} {
			if f != "markdown" && f != "github" && f != "gitlab" && !bytes.Contains(runs[0][f], []byte(want)) {
				t.Errorf("%s report lacks %s", f, want)
			}
		}
	}
}

// TestWaiverGovernanceFromPolicyData: the organisation's policy data
// (Engine.Data, key waivers) tightens what a waiver file may do, and a
// waiver it forbids is a usage error (exit 2) naming the setting.
func TestWaiverGovernanceFromPolicyData(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "waivers.yaml")
	if err := os.WriteFile(file, []byte(replayWaivers), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data map[string]any
		want string // "" when the waivers are accepted
	}{
		{"no policy data", nil, ""},
		{"forbidden rule", map[string]any{"waivers": map[string]any{"forbid": []any{"MIG003"}}},
			file + ":10: waivers[1].rule: waivers for MIG003 are forbidden by the policy data (waivers.forbid lists it); fix the cause instead"},
		{"tickets everywhere", map[string]any{"waivers": map[string]any{"requireTicket": true}},
			file + ":9: waivers[1].ticket: missing; the policy data (waivers.requireTicket) requires a ticket on every waiver"},
		{"shorter maximum", map[string]any{"waivers": map[string]any{"maxDays": float64(7)}},
			file + ":8: waivers[0].expires: 2026-12-05 is more than 7 days after 2026-11-25 (the policy data's waivers.maxDays of 7); give a date on or before 2026-12-02 and renew the waiver when it ends"},
		{"malformed policy data", map[string]any{"waivers": map[string]any{"maxDays": "soon"}},
			"policy data waivers.maxDays: want a whole number of days from 1 to 3650, not soon"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rf := reportFlags{waiverFiles: []string{file}, waiverExpiryWarning: "14d", now: "2026-11-25T00:00:00Z", failOn: "error", maxAge: "0", color: "never"}
			p, err := rf.resolve(&env{getenv: func(string) string { return "" }})
			if err != nil {
				t.Fatal(err)
			}
			eng, err := policies.New(context.Background(), policies.Options{Data: c.data})
			if err != nil {
				t.Fatal(err)
			}
			set, err := p.waiverSetFor(eng)
			if c.want == "" {
				if err != nil || set == nil || len(set.Waivers) != 3 {
					t.Fatalf("got %v, %+v; want the three waivers accepted", err, set)
				}
				return
			}
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != exitUsage {
				t.Fatalf("got %v, want a usage error (exit 2)", err)
			}
			if got := err.Error(); got != "waivers "+c.want && got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestMigrateWithWaiver: MIG002 (here through --default-group-rps 400)
// fails the gate of group orders and nothing is written; with a waiver the
// group moves, and the audit log records the waiver that allowed it.
func TestMigrateWithWaiver(t *testing.T) {
	me := startMigrateEmulator(t)
	dir := t.TempDir()
	write(t, dir, ".apigw-preflight.yaml", cliConfigFile)
	write(t, dir, "waivers.yaml", `waivers:
  - id: orders-rps
    rule: MIG002
    group: g-orders
    destination: `+dest+`
    reason: support migrates the group
    owner: team-orders
    ticket: SR-9
    expires: 2026-12-31
`)
	base := migrateArgs(me, "g-orders", "--yes", "--audit-log", "audit.jsonl", "--default-group-rps", "400", "--now", "2026-12-01T00:00:00Z")
	r := runCLI(t, dir, goodKeys, base...)
	if r.code != 3 || me.srv.Calls("ModifyApiGroupInstance") != 0 {
		t.Fatalf("without the waiver: exit %d, %d writes; want 3 and none\n%s", r.code, me.srv.Calls("ModifyApiGroupInstance"), r.stderr)
	}
	if !strings.Contains(r.stderr, "error MIG002") {
		t.Errorf("the refusal does not name MIG002:\n%s", r.stderr)
	}
	r = runCLI(t, dir, goodKeys, append(base, "--waivers", "waivers.yaml")...)
	noSecret(t, r)
	if r.code != 0 || me.srv.Calls("ModifyApiGroupInstance") != 1 {
		t.Fatalf("with the waiver: exit %d, %d writes; want 0 and one\nstdout: %s\nstderr: %s", r.code, me.srv.Calls("ModifyApiGroupInstance"), r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "error MIG002 (waived by orders-rps, owner team-orders, expires 2026-12-31)") {
		t.Errorf("the summary before the write does not show the waiver:\n%s", r.stderr)
	}
	out := auditOutcome(t, filepath.Join(dir, "audit.jsonl"))
	want := []any{map[string]any{"id": "orders-rps", "rule": "MIG002", "owner": "team-orders", "ticket": "SR-9", "expires": "2026-12-31"}}
	if got := out["waivers"]; !reflect.DeepEqual(got, want) || out["status"] != "succeeded" {
		t.Errorf("audit outcome waivers %v, status %v; want %v, succeeded", got, out["status"], want)
	}
}

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/emulator"
)

// busy peaks above what the destination allows, but its QPS read is
// forbidden and it has no TrafficLimit: the capacity rule (and MIG002)
// cannot decide, and the write side refuses unless each is accepted.
func TestMigrateRefusesUndecidedRules(t *testing.T) {
	me := startMigrateEmulator(t)
	me.srv.AddFault(emulator.Fault{Action: "DescribeGroupQps", Code: "Forbidden.RAM"})
	dir := t.TempDir()
	write(t, dir, ".apigw-preflight.yaml", cliConfigFile)
	for _, tc := range []struct {
		name     string
		accept   []string
		code     int
		stderr   []string
		undec    []any
		accepted []any
	}{
		{"no flag", nil, 3, []string{"not migrating group busy (g-busy), nothing was written: in the report, rules MIG001, MIG002 could not decide",
			"  - MIG001: could not check the RPS capacity", "--accept-undecided MIG001,MIG002"}, []any{"MIG001", "MIG002"}, nil},
		{"one of two accepted", []string{"--accept-undecided", "mig001"}, 3, []string{"in the report, rule MIG002 could not decide",
			"--accept-undecided MIG002"}, []any{"MIG001", "MIG002"}, []any{"MIG001"}},
		{"both accepted", []string{"--accept-undecided", "MIG001,MIG002"}, 0, []string{
			"warning: in the report, rules MIG001, MIG002 could not decide; going on because --accept-undecided names them", "Migration finished"},
			[]any{"MIG001", "MIG002"}, []any{"MIG001", "MIG002"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			audit := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".jsonl")
			before := me.srv.Calls("ModifyApiGroupInstance")
			r := runCLI(t, dir, goodKeys, append(migrateArgs(me, "g-busy", "--yes", "--audit-log", audit, "-f", "json=r.json"), tc.accept...)...)
			noSecret(t, r)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			if got := reportExit(t, filepath.Join(dir, "r.json")); got != 0 {
				t.Errorf("the report's gate = %d: this test needs a passing gate with undecided rules", got)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			writes := me.srv.Calls("ModifyApiGroupInstance") - before
			a := auditOutcome(t, audit)
			if tc.code != 0 {
				if writes != 0 || a["status"] != "refused" || a["writeSent"] != false {
					t.Errorf("writes %d, audit %v: want a refusal and no write", writes, a)
				}
			} else if writes != 1 || a["status"] != "succeeded" {
				t.Errorf("writes %d, audit %v: want one write that succeeded", writes, a)
			}
			if !equalAny(a["undecided"], tc.undec) || !equalAny(a["acceptedUndecided"], tc.accepted) {
				t.Errorf("audit undecided %v accepted %v, want %v and %v", a["undecided"], a["acceptedUndecided"], tc.undec, tc.accepted)
			}
		})
	}

	// An unknown rule ID is a usage error, before any cloud call.
	reads := me.srv.Calls("DescribeApiGroup")
	r := runCLI(t, dir, goodKeys, migrateArgs(me, "g-busy", "--yes", "--accept-undecided", "MIG001,MIG999")...)
	if r.code != 2 || !strings.Contains(r.stderr, "--accept-undecided MIG999: no such rule") {
		t.Errorf("unknown rule: exit %d\n%s", r.code, r.stderr)
	}
	if n := me.srv.Calls("DescribeApiGroup"); n != reads {
		t.Errorf("%d cloud reads before a usage error", n-reads)
	}
	r = runCLI(t, dir, goodKeys, "run", "--group", "g-busy", "--to", dest, "--endpoint", me.url, "--accept-undecided", "MIG001")
	if r.code != 2 || !strings.Contains(r.stderr, "--accept-undecided only applies with --migrate") {
		t.Errorf("without --migrate: exit %d\n%s", r.code, r.stderr)
	}
}

func equalAny(got any, want []any) bool {
	g, _ := got.([]any)
	if len(g) != len(want) {
		return false
	}
	for i := range g {
		if g[i] != want[i] {
			return false
		}
	}
	return true
}

package waiver

import (
	"reflect"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/report"
)

const applyFile = "waivers.yaml"

const applyWaivers = `waivers:
  - id: rps
    rule: MIG002
    group: payments
    reason: support migrates it
    owner: team-payments
    ticket: SR-1
    expires: 2027-01-31
  - id: backend-a
    rule: MIG004
    group: 9f4b2a61c0d84e7fa35b6c19e2d07f48
    destination: dest-1
    key: 10.0.0.1
    reason: allowlist change scheduled
    owner: team-net
    expires: 2026-12-10
  - id: backend-b
    rule: MIG004
    group: payments
    key: 10.0.0.2
    reason: allowlist change was scheduled
    owner: team-net
    expires: 2026-11-20
  - id: orders-rps
    rule: MIG002
    group: orders
    reason: not needed any more
    owner: team-orders
    ticket: SR-2
    expires: 2027-01-31
  - id: running
    rule: MIG012
    group: payments
    reason: we will wait
    owner: team-payments
    expires: 2027-01-31
`

// applyResult is a run over one migration with findings of MIG002,
// MIG004 (two backends, and the same backend on another destination) and
// an unwaivable MIG012.
func applyResult() *report.Result {
	f := func(rule, key string, unwaivable bool) report.Finding {
		return report.Finding{RuleID: rule, Severity: report.SeverityError, Message: rule + " " + key, Key: key, Unwaivable: unwaivable}
	}
	return &report.Result{
		Rules:  testRules,
		FailOn: report.ThresholdNever,
		Migrations: []report.Migration{
			{Input: "p.json", GroupID: "9f4b2a61c0d84e7fa35b6c19e2d07f48", GroupName: "payments", Destination: "dest-1",
				Findings: []report.Finding{f("MIG002", "", false), f("MIG004", "10.0.0.1", false), f("MIG004", "10.0.0.2", false), f("MIG012", "running", true)}},
			{Input: "p2.json", GroupID: "9f4b2a61c0d84e7fa35b6c19e2d07f48", GroupName: "payments", Destination: "dest-2",
				Findings: []report.Finding{f("MIG004", "10.0.0.1", false)}},
		},
	}
}

func applySet(t *testing.T) *Set {
	t.Helper()
	ws, err := Parse(applyFile, []byte(applyWaivers))
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(ws, testRules, Policy{}, testNow); err != nil {
		t.Fatal(err)
	}
	return &Set{Waivers: ws, Files: []string{applyFile}, Now: testNow, ExpiryWarning: DefaultExpiryWarning}
}

// TestApply: matching by rule, group (name or ID), destination and key;
// expired waivers accept nothing; unwaivable findings stay; every waiver's
// use is recorded and the waiver file's findings are AGP002, AGP003 and
// AGP004 at the waivers' lines.
func TestApply(t *testing.T) {
	r := applyResult()
	applySet(t).Apply(r)

	waivedBy := func(m report.Migration) []string {
		var out []string
		for _, f := range m.Findings {
			id := "-"
			if f.Waiver != nil {
				id = f.Waiver.ID
			}
			out = append(out, f.RuleID+"/"+f.Key+"="+id)
		}
		return out
	}
	if got, want := waivedBy(r.Migrations[0]), []string{"MIG002/=rps", "MIG004/10.0.0.1=backend-a", "MIG004/10.0.0.2=-", "MIG012/running=-"}; !reflect.DeepEqual(got, want) {
		t.Errorf("migration 0: got %v, want %v", got, want)
	}
	if got, want := waivedBy(r.Migrations[1]), []string{"MIG004/10.0.0.1=-"}; !reflect.DeepEqual(got, want) {
		t.Errorf("migration 1 (other destination): got %v, want %v", got, want)
	}
	if got, want := *r.Migrations[0].Findings[0].Waiver, (report.WaiverRef{ID: "rps", Reason: "support migrates it", Owner: "team-payments", Ticket: "SR-1", Expires: "2027-01-31"}); got != want {
		t.Errorf("waiver ref %+v, want %+v", got, want)
	}

	type use struct {
		ID      string
		Line    int
		Used    int
		Expired bool
	}
	var uses []use
	for _, u := range r.Waivers {
		uses = append(uses, use{u.ID, u.Line, u.Used, u.Expired})
	}
	wantUses := []use{{"rps", 2, 1, false}, {"backend-a", 9, 1, false}, {"backend-b", 17, 0, true}, {"orders-rps", 24, 0, false}, {"running", 31, 0, false}}
	if !reflect.DeepEqual(uses, wantUses) {
		t.Errorf("uses %+v, want %+v", uses, wantUses)
	}

	if len(r.Migrations) != 3 || !r.Migrations[2].IsWaivers() || r.Migrations[2].Input != applyFile {
		t.Fatalf("want a waivers migration for %s after the two, got %+v", applyFile, r.Migrations)
	}
	type tf struct {
		Rule string
		Sev  report.Severity
		Line int
		Key  string
		Msg  string
	}
	var got []tf
	for _, f := range r.Migrations[2].Findings {
		got = append(got, tf{f.RuleID, f.Severity, f.Line, f.Key, f.Message})
		if f.Fingerprint == "" || f.Resource != (report.Resource{Kind: "waiver", ID: f.Key}) {
			t.Errorf("%s: fingerprint %q, resource %+v", f.RuleID, f.Fingerprint, f.Resource)
		}
	}
	want := []tf{
		{"AGP002", report.SeverityWarning, 17, "backend-b", "Waiver backend-b (MIG004 on group payments, key 10.0.0.2, owner team-net) expired at the end of 2026-11-20, 10 days before 2026-12-01T12:00:00Z: it no longer applies, and the 1 finding it would accept count for the gate again."},
		{"AGP003", report.SeverityNote, 24, "orders-rps", "Waiver orders-rps (MIG002 on group orders, owner team-orders) matched no finding of the migrations checked in this run."},
		{"AGP003", report.SeverityNote, 31, "running", "Waiver running (MIG012 on group payments, owner team-payments) matched only 1 finding that cannot be waived (the rule marks them waivable: false), so it accepted nothing."},
		{"AGP004", report.SeverityNote, 9, "backend-a", "Waiver backend-a (MIG004 on group 9f4b2a61c0d84e7fa35b6c19e2d07f48 to dest-1, key 10.0.0.1, owner team-net) expires at the end of 2026-12-10, 9 days after 2026-12-01T12:00:00Z; then the 1 finding it accepts will count for the gate again."},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("waiver findings:\n got  %+v\n want %+v", got, want)
	}
	if !slicesHave(r.Rules, "AGP002", "AGP003", "AGP004") {
		t.Errorf("rules %v lack the waiver rules", r.Rules)
	}
	if got := r.Summary(); got.Waived != 2 || got.Migrations != 2 || got.Errors != 3 || got.Warnings != 1 || got.Notes != 3 {
		t.Errorf("summary %+v: want 2 waived, 2 migrations, 3 errors, 1 warning (AGP002), 3 notes", got)
	}
}

func slicesHave(rules []report.Rule, ids ...string) bool {
	have := map[string]bool{}
	for _, r := range rules {
		have[r.ID] = true
	}
	for _, id := range ids {
		if !have[id] {
			return false
		}
	}
	return true
}

// TestGate: a waived finding no longer fails the gate; an expired waiver
// lets its finding fail again; --fail-on-unused-waivers makes AGP003 fail.
func TestGate(t *testing.T) {
	one := func(expires string) (*report.Result, *Set) {
		ws, err := Parse(applyFile, []byte(`waivers:
  - {rule: MIG002, group: payments, reason: r, owner: o, ticket: T-1, expires: `+expires+`}
`))
		if err != nil {
			t.Fatal(err)
		}
		r := &report.Result{Rules: testRules, FailOn: mustThreshold(t, "error"), Migrations: []report.Migration{{
			GroupID: "g1", GroupName: "payments", Destination: "d",
			Findings: []report.Finding{{RuleID: "MIG002", Severity: report.SeverityError, Message: "m"}},
		}}}
		return r, &Set{Waivers: ws, Files: []string{applyFile}, Now: testNow, ExpiryWarning: DefaultExpiryWarning}
	}
	r, s := one("2027-01-31")
	if r.Verdict() != report.VerdictFail {
		t.Fatalf("before the waiver: %s, want fail", r.Verdict())
	}
	s.Apply(r)
	if v := r.Verdict(); v != report.VerdictPass || r.FindingFails(r.Migrations[0].Findings[0]) {
		t.Errorf("waived: verdict %s, want pass", v)
	}

	r, s = one("2026-11-30")
	s.Apply(r)
	if v := r.Verdict(); v != report.VerdictFail || r.Migrations[0].Findings[0].Waived() {
		t.Errorf("expired: verdict %s, want fail with the finding not waived", v)
	}
	if fs := r.Migrations[1].Findings; len(fs) != 1 || fs[0].RuleID != "AGP002" {
		t.Errorf("expired: waiver findings %+v, want AGP002", fs)
	}

	r, s = one("2027-01-31")
	r.Migrations[0].GroupName = "orders"
	s.FailOnUnused = true
	s.Apply(r)
	r.Migrations[0].Findings = nil // only the unused waiver is left to judge
	if v, sum := r.Verdict(), r.Summary(); v != report.VerdictFail || sum.WaiverFilesFailed != 1 || sum.Failed != 0 {
		t.Errorf("unused with FailOnUnused: verdict %s, summary %+v; want fail by the waiver file", v, sum)
	}
	s.FailOnUnused = false
	r, s = one("2027-01-31")
	r.Migrations[0].GroupName = "orders"
	r.Migrations[0].Findings = nil
	s.Apply(r)
	if v := r.Verdict(); v != report.VerdictPass {
		t.Errorf("unused without FailOnUnused: verdict %s, want pass (AGP003 is a note)", v)
	}
}

func mustThreshold(t *testing.T, s string) report.Threshold {
	th, err := report.ParseThreshold(s)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// TestNowFixed: with Now set, two applications give equal results; a
// waiver's expiry is the end of its day.
func TestNowFixed(t *testing.T) {
	a, b := applyResult(), applyResult()
	applySet(t).Apply(a)
	applySet(t).Apply(b)
	if !reflect.DeepEqual(a, b) {
		t.Error("two applications with the same Now differ")
	}
	ws, _ := Parse(applyFile, []byte("waivers:\n  - {rule: MIG004, group: g, reason: r, owner: o, expires: 2026-12-01}\n"))
	if ws[0].Expired(testNow) || !ws[0].Expired(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) {
		t.Error("a waiver applies through its expiry day and not after")
	}
}

package report

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// auditResult: group g1 planned onto a (blocked) with candidates c
// (ready, no headroom), b (blocked) and e (ready, the most headroom); g2
// onto d (conditional: a warning) with a candidate that could not be
// collected; and the fleet record.
func auditResult() *Result {
	errF := Finding{RuleID: "MIG001", RuleName: "rps-capacity", Severity: SeverityError, Message: "too small"}
	warn := Finding{RuleID: "MIG004", RuleName: "egress-allowlist", Severity: SeverityWarning, Message: "no allowlist"}
	return &Result{
		FailOn: Threshold{min: SeverityError},
		Rules:  []Rule{{ID: "MIG001", Severity: SeverityError}, {ID: "MIG004", Severity: SeverityError}, {ID: "MIG017", Severity: SeverityError}},
		Migrations: []Migration{
			{GroupID: "g1", GroupName: "orders", Destination: "a", Findings: []Finding{errF}, Capacity: &Capacity{LimitRPS: 2500, ExistingRPS: 400, NeededRPS: 3000}},
			{GroupID: "g1", GroupName: "orders", Destination: "c", Candidate: true, Capacity: &Capacity{LimitRPS: 10000, ExistingRPS: 5000, NeededRPS: 6000}},
			{GroupID: "g1", GroupName: "orders", Destination: "b", Candidate: true, Findings: []Finding{errF}},
			{GroupID: "g1", GroupName: "orders", Destination: "e", Candidate: true, Capacity: &Capacity{LimitRPS: 5000, ExistingRPS: 0, NeededRPS: 1000}},
			{GroupID: "g2", GroupName: "payments", Destination: "d", Findings: []Finding{warn}, Capacity: &Capacity{LimitRPS: 5000, NeededRPS: 1200, ExistingRPS: 200}},
			{GroupID: "g2", GroupName: "payments", Destination: "a", Candidate: true, Errors: []RuleError{{RuleID: "collection", Message: "could not be collected"}}},
			{Kind: KindFleet, Input: "plan.yaml"},
		},
	}
}

func TestPlacementsAudit(t *testing.T) {
	r := auditResult()
	h := func(f float64) *float64 { return &f }
	want := []Placement{
		{GroupID: "g1", GroupName: "orders", Planned: "a", Recommended: "e", Candidates: []PlacementCell{
			{Destination: "a", Migration: 0, Readiness: ReadinessBlocked, Blockers: []string{"MIG001"}, HeadroomRPS: h(-900)},
			{Destination: "c", Migration: 1, Readiness: ReadinessReady, HeadroomRPS: h(-1000)},
			{Destination: "b", Migration: 2, Readiness: ReadinessBlocked, Blockers: []string{"MIG001"}},
			{Destination: "e", Migration: 3, Readiness: ReadinessReady, HeadroomRPS: h(4000)},
		}},
		{GroupID: "g2", GroupName: "payments", Planned: "d", Recommended: "d", Candidates: []PlacementCell{
			{Destination: "d", Migration: 4, Readiness: ReadinessConditional, HeadroomRPS: h(3600)},
			{Destination: "a", Migration: 5, Readiness: ReadinessUndecided, Blockers: []string{"collection"}},
		}},
	}
	if got := r.Placements(); !reflect.DeepEqual(got, want) {
		t.Errorf("placements\n got %+v\nwant %+v", got, want)
	}
	// Ties on headroom: the smaller limit, then the destination ID.
	r.Migrations[1].Capacity = &Capacity{LimitRPS: 10000, NeededRPS: 6000}
	if got := r.Placements()[0].Recommended; got != "e" {
		t.Errorf("tie on headroom 4000: recommended %s, want e (5,000 RPS limit below c's 10,000)", got)
	}
}

// Candidates never fail the gate, their rule errors included; the planned
// ones do.
func TestCandidatesNeverFailTheGate(t *testing.T) {
	r := auditResult()
	s := r.Summary()
	if s.Failed != 1 || s.RuleErrors != 0 || r.Verdict() != VerdictFail {
		t.Errorf("summary %+v, verdict %s; want 1 failed (g1 onto a), no rule error counted, fail", s, r.Verdict())
	}
	r.Migrations[0].Findings = nil
	if r.Verdict() != VerdictPass {
		t.Errorf("planned migrations pass, candidates fail: verdict %s, want pass", r.Verdict())
	}
}

func TestMatrixText(t *testing.T) {
	var b bytes.Buffer
	if err := (&textReporter{}).Report(&b, auditResult()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	want := `Placement matrix (* recommended: passes, most RPS headroom after the group's peak)
GROUP     DESTINATION  ROLE       VERDICT      HEADROOM RPS  BLOCKERS
orders      a          planned    blocked      -900          MIG001
            c          candidate  ready        -1,000        -
            b          candidate  blocked      -             MIG001
          * e          candidate  ready        4,000         -
payments  * d          planned    conditional  3,600         -
            a          candidate  undecided    -             collection
`
	if !strings.Contains(out, want) {
		t.Errorf("text report lacks the matrix:\n%s\nwant:\n%s", out, want)
	}
	if !strings.Contains(out, "FAIL  orders (g1):  -> a\n") || !strings.Contains(out, "FAIL  orders (g1):  -> b (candidate)\n") ||
		!strings.Contains(out, "PASS  plan-wide rules\n      plan.yaml\n") {
		t.Errorf("migration headers:\n%s", out)
	}
	// A check (no fleet record) has no matrix.
	r := auditResult()
	r.Migrations = r.Migrations[:6]
	b.Reset()
	(&textReporter{}).Report(&b, r)
	if strings.Contains(b.String(), "Placement matrix") {
		t.Error("matrix without an audit")
	}
}

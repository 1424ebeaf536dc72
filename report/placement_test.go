package report

import (
	"reflect"
	"testing"
)

func TestReadiness(t *testing.T) {
	warn := Finding{RuleID: "MIG003", Severity: SeverityWarning}
	note := Finding{RuleID: "MIG013", Severity: SeverityNote}
	blocker := Finding{RuleID: "MIG001", Severity: SeverityError}
	undecidedErrRule := Finding{RuleID: "MIG004", Severity: SeverityWarning, Undecided: true}
	undecidedWarnRule := Finding{RuleID: "MIG015", Severity: SeverityWarning, Undecided: true}
	undecidedUnknownRule := Finding{RuleID: "ORG900", Severity: SeverityNote, Undecided: true}
	undecidedErrSeverity := Finding{RuleID: "MIG015", Severity: SeverityError, Undecided: true}
	ruleErr := []RuleError{{RuleID: "MIG011", Message: "boom"}}
	cases := []struct {
		name      string
		failOn    Severity
		findings  []Finding
		errs      []RuleError
		candidate bool
		want      Readiness
		blockers  []string
	}{
		{name: "no findings", want: ReadinessReady},
		{name: "a note only", findings: []Finding{note}, want: ReadinessReady},
		{name: "a warning", findings: []Finding{note, warn}, want: ReadinessConditional},
		{name: "a warning that fails --fail-on warning", failOn: SeverityWarning, findings: []Finding{warn}, want: ReadinessBlocked, blockers: []string{"MIG003"}},
		{name: "a note that fails --fail-on note", failOn: SeverityNote, findings: []Finding{note}, want: ReadinessBlocked, blockers: []string{"MIG013"}},
		{name: "an error", findings: []Finding{warn, blocker}, want: ReadinessBlocked, blockers: []string{"MIG001"}},
		{name: "a candidate is judged the same", findings: []Finding{blocker}, candidate: true, want: ReadinessBlocked, blockers: []string{"MIG001"}},
		{name: "undecided warning rule", findings: []Finding{undecidedWarnRule}, want: ReadinessConditional},
		{name: "undecided error rule", findings: []Finding{undecidedErrRule}, want: ReadinessUndecided, blockers: []string{"MIG004"}},
		{name: "undecided unknown rule counts as error", findings: []Finding{undecidedUnknownRule}, want: ReadinessUndecided, blockers: []string{"ORG900"}},
		{name: "undecided finding failing the gate by severity", findings: []Finding{undecidedErrSeverity}, want: ReadinessUndecided, blockers: []string{"MIG015"}},
		{name: "a rule error", findings: []Finding{warn}, errs: ruleErr, want: ReadinessUndecided, blockers: []string{"MIG011"}},
		{name: "blocked outranks undecided", findings: []Finding{undecidedErrRule, blocker}, errs: ruleErr, want: ReadinessBlocked, blockers: []string{"MIG001", "MIG004", "MIG011"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := fixtureResult()
			if c.failOn != SeverityNone {
				r.FailOn = Threshold{min: c.failOn}
			}
			m := Migration{GroupID: "g", Destination: "d", Findings: c.findings, Errors: c.errs, Candidate: c.candidate}
			if got := r.Readiness(&m); got != c.want {
				t.Errorf("Readiness = %q, want %q", got, c.want)
			}
			if got := r.Blockers(&m); !reflect.DeepEqual(got, c.blockers) {
				t.Errorf("Blockers = %q, want %q", got, c.blockers)
			}
		})
	}
}

// A finding that is only undecided fails the gate under --fail-on-undecided;
// its migration is undecided, not blocked.
func TestReadinessFailOnUndecided(t *testing.T) {
	r := fixtureResult()
	r.FailOnUndecided = true
	m := Migration{Findings: []Finding{{RuleID: "MIG004", Severity: SeverityWarning, Undecided: true}}}
	if got := r.Readiness(&m); got != ReadinessUndecided {
		t.Errorf("Readiness = %q, want undecided", got)
	}
}

func TestPlacementsFleet(t *testing.T) {
	r := fleetResult()
	h := func(v float64) *float64 { return &v }
	want := []Placement{
		{GroupID: fxOrdersGroup, GroupName: "orders", Planned: fxDestOrders, Recommended: fxDestPayments, Candidates: []PlacementCell{
			{Destination: fxDestOrders, Migration: 0, Readiness: ReadinessConditional, HeadroomRPS: h(900)},
			{Destination: fxDestPayments, Migration: 1, Readiness: ReadinessReady, HeadroomRPS: h(2600)},
		}},
		{GroupID: fxPaymentsGroup, GroupName: "payments", Planned: fxDestOrders, Recommended: fxDestPayments, Candidates: []PlacementCell{
			{Destination: fxDestOrders, Migration: 2, Readiness: ReadinessBlocked, Blockers: []string{"MIG004"}, HeadroomRPS: h(2500 - 400 - 960)},
			{Destination: fxDestPayments, Migration: 3, Readiness: ReadinessReady, HeadroomRPS: h(5000 - 1200 - 960)},
		}},
		{GroupID: fxInventoryGroup, GroupName: "inventory", Planned: fxDestPayments, Recommended: fxDestPayments, Candidates: []PlacementCell{
			{Destination: fxDestPayments, Migration: 4, Readiness: ReadinessConditional, HeadroomRPS: h(200)},
			{Destination: fxDestOrders, Migration: 5, Readiness: ReadinessBlocked, Blockers: []string{"MIG001"}, HeadroomRPS: h(-1500)},
		}},
		{GroupID: fxSearchGroup, GroupName: "search", Planned: fxDestPayments, Recommended: "", Candidates: []PlacementCell{
			{Destination: fxDestPayments, Migration: 6, Readiness: ReadinessUndecided, Blockers: []string{"MIG011"}, HeadroomRPS: h(3200)},
			{Destination: fxDestOrders, Migration: 7, Readiness: ReadinessUndecided, Blockers: []string{"MIG004"}, HeadroomRPS: h(1500)},
		}},
		{GroupID: fxBillingGroup, GroupName: "billing <EU>", Planned: fxDestOrders, Recommended: fxDestOrders, Candidates: []PlacementCell{
			{Destination: fxDestOrders, Migration: 8, Readiness: ReadinessReady, HeadroomRPS: h(2500 - 400 - 360)},
		}},
	}
	got := r.Placements()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Placements:\n got %+v\nwant %+v", got, want)
	}
}

// Placements leave Terraform plans out and read a group's name and
// planned destination from its first migration that has them.
func TestPlacementsCheckAndPlan(t *testing.T) {
	r := fixtureResult()
	plan := planResult().Migrations[0]
	r.Migrations = append(r.Migrations, plan)
	r.Migrations[1].Candidate = true
	again := r.Migrations[1]
	again.Candidate = false
	again.Destination = "apigateway-hz-third"
	again.GroupName = ""
	r.Migrations = append(r.Migrations, again)
	got := r.Placements()
	want := []Placement{
		{GroupID: fxOrdersGroup, GroupName: "orders", Planned: fxDestOrders, Candidates: []PlacementCell{
			{Destination: fxDestOrders, Migration: 0, Readiness: ReadinessBlocked, Blockers: []string{"MIG001", "MIG004", "MIG011"}},
		}},
		{GroupID: fxPaymentsGroup, GroupName: "payments", Planned: "apigateway-hz-third", Recommended: fxDestPayments, Candidates: []PlacementCell{
			{Destination: fxDestPayments, Migration: 1, Readiness: ReadinessConditional},
			{Destination: "apigateway-hz-third", Migration: 3, Readiness: ReadinessConditional},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Placements:\n got %+v\nwant %+v", got, want)
	}
}

func TestRecommendation(t *testing.T) {
	capacity := func(limit, existing, needed float64) *Capacity {
		return &Capacity{LimitRPS: limit, ExistingRPS: existing, NeededRPS: needed}
	}
	type cand struct {
		dest     string
		capacity *Capacity
		findings []Finding
	}
	blocker := []Finding{{RuleID: "MIG001", Severity: SeverityError}}
	warning := []Finding{{RuleID: "MIG003", Severity: SeverityWarning}}
	cases := []struct {
		name  string
		cands []cand
		want  string
	}{
		{"most headroom wins", []cand{{"a", capacity(2500, 0, 1000), nil}, {"b", capacity(5000, 0, 1000), nil}}, "b"},
		{"conditional counts as passing", []cand{{"a", capacity(2500, 0, 1000), nil}, {"b", capacity(5000, 0, 1000), warning}}, "b"},
		{"blocked never recommended", []cand{{"a", capacity(2500, 0, 1000), nil}, {"b", capacity(5000, 0, 1000), blocker}}, "a"},
		{"none passes", []cand{{"a", capacity(2500, 0, 1000), blocker}, {"b", nil, blocker}}, ""},
		{"tie: smaller limit", []cand{{"a", capacity(5000, 2500, 1000), nil}, {"b", capacity(2500, 0, 1000), nil}}, "b"},
		{"tie: destination ID", []cand{{"b", capacity(2500, 0, 1000), nil}, {"a", capacity(2500, 0, 1000), nil}}, "a"},
		{"known headroom before unknown", []cand{{"a", nil, nil}, {"b", capacity(2500, 0, 2500), nil}}, "b"},
		{"unknown only: destination ID", []cand{{"b", nil, nil}, {"a", nil, nil}}, "a"},
		{"negative headroom still ranks", []cand{{"a", capacity(1000, 0, 1500), nil}, {"b", capacity(1000, 0, 1200), nil}}, "b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &Result{FailOn: Threshold{min: SeverityError}}
			for i, cd := range c.cands {
				r.Migrations = append(r.Migrations, Migration{GroupID: "g", Destination: cd.dest, Candidate: i > 0, Capacity: cd.capacity, Findings: cd.findings})
			}
			p := r.Placements()
			if len(p) != 1 || len(p[0].Candidates) != len(c.cands) {
				t.Fatalf("placements = %+v", p)
			}
			if p[0].Recommended != c.want {
				t.Errorf("Recommended = %q, want %q", p[0].Recommended, c.want)
			}
			if p[0].Planned != c.cands[0].dest {
				t.Errorf("Planned = %q, want %q", p[0].Planned, c.cands[0].dest)
			}
		})
	}
}

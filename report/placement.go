// placement.go: the html branch owns this file; keep in sync
package report

import (
	"cmp"
	"slices"
)

// Readiness is how ready one migration is, as the placement matrix shows it.
type Readiness string

const (
	// ReadinessReady: passes the gate without findings at warning or above.
	ReadinessReady Readiness = "ready"
	// ReadinessConditional: passes the gate but has findings at warning or
	// above, or undecided ones.
	ReadinessConditional Readiness = "conditional"
	// ReadinessBlocked: fails the gate.
	ReadinessBlocked Readiness = "blocked"
	// ReadinessUndecided: a rule error, or an undecided finding of a rule
	// whose default severity is error.
	ReadinessUndecided Readiness = "undecided"
)

// Readiness judges one migration of r. A candidate is judged as if it were
// planned: its readiness says whether it could take the group.
func (r *Result) Readiness(m *Migration) Readiness {
	if len(m.Errors) > 0 || len(m.UndecidedRules(r.Rules, SeverityError)) > 0 {
		return ReadinessUndecided
	}
	planned := *m
	planned.Candidate = false
	if r.MigrationFails(&planned) {
		return ReadinessBlocked
	}
	for _, f := range m.Findings {
		if f.Undecided || f.Severity >= SeverityWarning {
			return ReadinessConditional
		}
	}
	return ReadinessReady
}

// Placement is one group's row of the placement matrix.
type Placement struct {
	GroupID     string          `json:"groupId"`
	GroupName   string          `json:"groupName"`
	Planned     string          `json:"planned"`
	Candidates  []PlacementCell `json:"candidates"`
	Recommended string          `json:"recommended"`
}

// PlacementCell is one destination of a group.
type PlacementCell struct {
	Destination string `json:"destination"`
	// Migration is the index in Result.Migrations.
	Migration int       `json:"migration"`
	Readiness Readiness `json:"readiness"`
	// Blockers are the IDs of the rules that fail the gate, sorted, once each.
	Blockers []string `json:"blockers,omitempty"`
	// HeadroomRPS is LimitRPS - ExistingRPS - NeededRPS; nil without
	// capacity data.
	HeadroomRPS *float64 `json:"headroomRps,omitempty"`
}

// Placements groups the migrations (plans and fleet records left out) by
// GroupID in input order. Planned is the first non-candidate migration's
// destination; Recommended is, among the cells that are ready or
// conditional, the one with the most headroom, ties broken by the smaller
// LimitRPS, then the destination ID; "" when none passes.
func (r *Result) Placements() []Placement {
	var out []Placement
	index := map[string]int{}
	for i := range r.Migrations {
		m := &r.Migrations[i]
		if m.IsPlan() || m.IsFleet() {
			continue
		}
		at, ok := index[m.GroupID]
		if !ok {
			at = len(out)
			index[m.GroupID] = at
			out = append(out, Placement{GroupID: m.GroupID, GroupName: m.GroupName})
		}
		p := &out[at]
		if p.Planned == "" && !m.Candidate {
			p.Planned = m.Destination
		}
		cell := PlacementCell{Destination: m.Destination, Migration: i, Readiness: r.Readiness(m)}
		for _, f := range m.Findings {
			if r.FindingFails(f) && !slices.Contains(cell.Blockers, f.RuleID) {
				cell.Blockers = append(cell.Blockers, f.RuleID)
			}
		}
		for _, e := range m.Errors {
			if !slices.Contains(cell.Blockers, e.RuleID) {
				cell.Blockers = append(cell.Blockers, e.RuleID)
			}
		}
		slices.Sort(cell.Blockers)
		if c := m.Capacity; c != nil {
			h := c.LimitRPS - c.ExistingRPS - c.NeededRPS
			cell.HeadroomRPS = &h
		}
		p.Candidates = append(p.Candidates, cell)
	}
	for i := range out {
		out[i].Recommended = r.recommend(out[i].Candidates)
	}
	return out
}

func (r *Result) recommend(cells []PlacementCell) string {
	var best *PlacementCell
	limit := func(c *PlacementCell) float64 {
		if m := r.Migrations[c.Migration].Capacity; m != nil {
			return m.LimitRPS
		}
		return 0
	}
	headroom := func(c *PlacementCell) float64 {
		if c.HeadroomRPS == nil {
			return -1e300
		}
		return *c.HeadroomRPS
	}
	for i := range cells {
		c := &cells[i]
		if c.Readiness != ReadinessReady && c.Readiness != ReadinessConditional {
			continue
		}
		if best == nil || cmp.Or(
			-cmp.Compare(headroom(c), headroom(best)),
			cmp.Compare(limit(c), limit(best)),
			cmp.Compare(c.Destination, best.Destination),
		) < 0 {
			best = c
		}
	}
	if best == nil {
		return ""
	}
	return best.Destination
}

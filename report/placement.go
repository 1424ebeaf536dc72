package report

import (
	"cmp"
	"slices"
)

// Readiness is how ready one migration is to go, in the words of a
// migration assessment: ready, ready with conditions, blocked, or could not
// decide. It refines the gate: a blocked or undecided migration is one the
// gate would stop (for a candidate destination too, which never fails the
// gate itself).
type Readiness string

const (
	// ReadinessReady: no finding at warning or above, nothing undecided.
	ReadinessReady Readiness = "ready"
	// ReadinessConditional: passes the gate but has findings at warning or
	// above, or undecided ones of rules that are not errors by default.
	ReadinessConditional Readiness = "conditional"
	// ReadinessBlocked: a finding that was decided fails the gate.
	ReadinessBlocked Readiness = "blocked"
	// ReadinessUndecided: nothing decided fails the gate, but a rule could
	// not be evaluated, or a rule whose default severity is error could not
	// check.
	ReadinessUndecided Readiness = "undecided"
)

// readinessOrder lists the readiness values in the order reports count
// them: ready, ready with conditions, blocked, could not decide.
var readinessOrder = []Readiness{ReadinessReady, ReadinessConditional, ReadinessBlocked, ReadinessUndecided}

// Label is the readiness for people: "ready", "ready with conditions",
// "blocked", "could not decide".
func (r Readiness) Label() string {
	switch r {
	case ReadinessConditional:
		return "ready with conditions"
	case ReadinessUndecided:
		return "could not decide"
	}
	return string(r)
}

// passes reports whether a migration of this readiness can go.
func (r Readiness) passes() bool { return r == ReadinessReady || r == ReadinessConditional }

// Readiness judges one migration with the result's gate. A decided finding
// that fails the gate makes it blocked, whatever else it has; otherwise a
// rule error or an undecided finding of a rule whose default severity is
// error (or whose finding fails the gate) makes it undecided; otherwise a finding at warning or above, or any
// undecided finding, makes it conditional; notes alone leave it ready.
// Whether the migration is a candidate does not enter.
func (r *Result) Readiness(m *Migration) Readiness {
	conditional := false
	undecided := len(m.Errors) > 0
	for _, f := range m.Findings {
		switch {
		case f.Undecided:
			if r.undecidedBlocks(f) {
				undecided = true
			}
			conditional = true
		case r.FindingFails(f):
			return ReadinessBlocked
		case f.Severity >= SeverityWarning:
			conditional = true
		}
	}
	switch {
	case undecided:
		return ReadinessUndecided
	case conditional:
		return ReadinessConditional
	}
	return ReadinessReady
}

// Blockers returns, sorted and once each, the IDs of the rules that stand
// between a migration and ready to go: rules with a decided finding that
// fails the gate, rules that could not be evaluated, and rules that could
// not check whose default severity is error or whose finding fails the gate.
func (r *Result) Blockers(m *Migration) []string {
	var ids []string
	add := func(id string) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, e := range m.Errors {
		add(e.RuleID)
	}
	for _, f := range m.Findings {
		if f.Undecided && r.undecidedBlocks(f) || !f.Undecided && r.FindingFails(f) {
			add(f.RuleID)
		}
	}
	slices.Sort(ids)
	return ids
}

// undecidedBlocks reports whether an undecided finding keeps its migration
// from going: its rule is an error by default, or the finding fails the gate.
func (r *Result) undecidedBlocks(f Finding) bool {
	return r.defaultSeverity(f.RuleID) >= SeverityError || r.FindingFails(f)
}

// Placement is one row of the placement matrix: a group and every
// destination it was evaluated against.
type Placement struct {
	GroupID   string `json:"groupId"`
	GroupName string `json:"groupName"`
	// Planned is the destination of the group's first planned (not
	// candidate) migration; "" when every one is a candidate.
	Planned string `json:"planned"`
	// Candidates are the group's migrations, planned ones included, in
	// input order.
	Candidates []PlacementCell `json:"candidates"`
	// Recommended is the destination to choose: among the cells that are
	// ready or conditional, the one with the most headroom, ties broken by
	// the smaller RPS limit (the smallest specification), then by
	// destination ID. A cell whose headroom is unknown ranks below every
	// known headroom. "" when no cell can go.
	Recommended string `json:"recommended"`
}

// PlacementCell is one group on one destination.
type PlacementCell struct {
	Destination string `json:"destination"`
	// Migration is the index of the migration in Result.Migrations.
	Migration int       `json:"migration"`
	Readiness Readiness `json:"readiness"`
	// Blockers are the rule IDs Result.Blockers names.
	Blockers []string `json:"blockers,omitempty"`
	// HeadroomRPS is the RPS left on the destination after this group:
	// LimitRPS - ExistingRPS - NeededRPS; nil when the capacity is unknown.
	HeadroomRPS *float64
}

// Placements builds the placement matrix: the migrations of snapshots (not
// Terraform plans, not the fleet's plan-wide findings) grouped by GroupID,
// groups in the order they first appear.
func (r *Result) Placements() []Placement {
	var out []Placement
	index := map[string]int{}
	for i := range r.Migrations {
		m := &r.Migrations[i]
		if m.Kind != "" {
			continue
		}
		p, ok := index[m.GroupID]
		if !ok {
			p = len(out)
			index[m.GroupID] = p
			out = append(out, Placement{GroupID: m.GroupID})
		}
		pl := &out[p]
		if pl.GroupName == "" {
			pl.GroupName = m.GroupName
		}
		if pl.Planned == "" && !m.Candidate {
			pl.Planned = m.Destination
		}
		cell := PlacementCell{Destination: m.Destination, Migration: i, Readiness: r.Readiness(m), Blockers: r.Blockers(m)}
		if c := m.Capacity; c != nil {
			h := c.LimitRPS - c.ExistingRPS - c.NeededRPS
			cell.HeadroomRPS = &h
		}
		pl.Candidates = append(pl.Candidates, cell)
	}
	for i := range out {
		out[i].Recommended = r.recommend(out[i].Candidates)
	}
	return out
}

// recommend picks the Placement.Recommended destination among cells.
func (r *Result) recommend(cells []PlacementCell) string {
	var best *PlacementCell
	for i := range cells {
		c := &cells[i]
		if !c.Readiness.passes() {
			continue
		}
		if best == nil || r.betterPlacement(c, best) {
			best = c
		}
	}
	if best == nil {
		return ""
	}
	return best.Destination
}

// betterPlacement reports whether a ranks before b: more headroom (known
// before unknown), then the smaller RPS limit, then the destination ID.
func (r *Result) betterPlacement(a, b *PlacementCell) bool {
	switch {
	case a.HeadroomRPS != nil && b.HeadroomRPS == nil:
		return true
	case a.HeadroomRPS == nil && b.HeadroomRPS != nil:
		return false
	case a.HeadroomRPS != nil && *a.HeadroomRPS != *b.HeadroomRPS:
		return *a.HeadroomRPS > *b.HeadroomRPS
	}
	return cmp.Or(
		cmp.Compare(r.limitRPS(a), r.limitRPS(b)),
		cmp.Compare(a.Destination, b.Destination),
	) < 0
}

// limitRPS is a cell's destination limit; 0 when unknown.
func (r *Result) limitRPS(c *PlacementCell) float64 {
	if capacity := r.Migrations[c.Migration].Capacity; capacity != nil {
		return capacity.LimitRPS
	}
	return 0
}

package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// FleetRulesPrefix is the package prefix of the fleet rules: rules over a
// whole audit plan rather than one migration (MIG017 plan-capacity), with
// the METADATA contract of the others. Their input is
//
//	{"plan": {"region": ..., "migrations": [{"group": ..., "to": [...]}, ...]},
//	 "migrations": [{"snapshot": {...}, "candidate": false}, ...]}
//
// one entry per (group, destination) pair that could be collected, the
// planned ones with candidate false. An organisation adds its own fleet
// rule as a package under data.apigw.fleet.
const FleetRulesPrefix = "data.apigw.fleet."

// CapacityQuery is the lib rule giving a snapshot's placement data, the
// figures MIG001 judges by (data.apigw.lib.capacity).
const CapacityQuery = "data.apigw.lib.capacity.capacity"

// prepareFleet prepares the fleet rules' queries and the capacity query.
func (e *Engine) prepareFleet(fleet *Engine, prepare func(string) (rego.PreparedEvalQuery, error)) error {
	var err error
	if e.capacity, err = prepare("x = " + CapacityQuery); err != nil {
		return fmt.Errorf("prepare %s: %w", CapacityQuery, err)
	}
	if len(fleet.rules) == 0 {
		return nil
	}
	e.fleet = fleet
	refs := make([]string, len(fleet.rules))
	for i, r := range fleet.rules {
		refs[i] = r.Package + ".findings"
		pq, err := prepare(refs[i])
		if err != nil {
			return fmt.Errorf("prepare rule %s: %w", r.ID, err)
		}
		fleet.queries = append(fleet.queries, pq)
	}
	if fleet.all, err = prepare("x = [" + strings.Join(refs, ", ") + "]"); err != nil {
		return fmt.Errorf("prepare fleet rules: %w", err)
	}
	return nil
}

// FleetRules returns the enabled fleet rules, sorted by ID, with the
// severity the settings give them.
func (e *Engine) FleetRules() []report.Rule {
	if e.fleet == nil {
		return nil
	}
	return slices.Clone(e.fleet.rules)
}

// EvaluateFleet runs the fleet rules once on an audit's input (see
// FleetRulesPrefix), as Evaluate does the snapshot rules.
func (e *Engine) EvaluateFleet(ctx context.Context, input ast.Value) ([]report.Finding, []report.RuleError, error) {
	if e.fleet == nil {
		return nil, nil, ctx.Err()
	}
	return e.fleet.Evaluate(ctx, input)
}

// Capacity computes one snapshot's placement data with the lib rule
// CapacityQuery. It returns nil when the snapshot does not give the
// figures (no traffic, no known limit): the rules say why.
func (e *Engine) Capacity(ctx context.Context, input ast.Value) (*report.Capacity, error) {
	rs, err := e.capacity.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", CapacityQuery, err)
	}
	if len(rs) != 1 {
		return nil, nil
	}
	raw, err := json.Marshal(rs[0].Bindings["x"])
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", CapacityQuery, err)
	}
	var c report.Capacity
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", CapacityQuery, err)
	}
	return &c, nil
}

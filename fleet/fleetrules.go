package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// FleetInput is the input of the fleet rules (policies.FleetRulesPrefix):
// the plan and, per pair in plan order, the group as planned, the
// destination, whether it is a candidate and the snapshot (absent when the
// pair could not be collected).
func FleetInput(plan *Plan, pairs []Pair, docs []*snapshot.Document) map[string]any {
	migs := make([]any, len(pairs))
	for i, p := range pairs {
		m := map[string]any{"group": p.Group, "region": p.Region, "destination": p.Destination, "candidate": p.Candidate}
		if docs[i] != nil {
			m["snapshot"] = docs[i].Value
		}
		migs[i] = m
	}
	entries := make([]any, len(plan.Migrations))
	for i, e := range plan.Migrations {
		to := make([]any, len(e.To))
		for j, t := range e.To {
			to[j] = t
		}
		entries[i] = map[string]any{"group": e.Group, "region": plan.RegionOf(e), "to": to}
	}
	return map[string]any{
		"plan":       map[string]any{"region": plan.Region, "migrations": entries},
		"migrations": migs,
	}
}

// evaluateFleet runs the fleet rules once and returns the fleet record.
func evaluateFleet(ctx context.Context, eng *policies.Engine, plan *Plan, pairs []Pair, docs []*snapshot.Document) (report.Migration, error) {
	start := time.Now()
	name := plan.Name
	if name == "" {
		name = "audit"
	}
	m := report.Migration{Input: name, Kind: report.KindFleet, RegionID: plan.Region, Findings: []report.Finding{}}
	for _, r := range eng.FleetRules() {
		m.Evaluated = append(m.Evaluated, r.ID)
	}
	v, err := policies.InputValue(FleetInput(plan, pairs, docs))
	if err != nil {
		return m, fmt.Errorf("fleet rules: %w", err)
	}
	findings, errs, err := eng.EvaluateFleet(ctx, v)
	if err != nil {
		return m, fmt.Errorf("fleet rules: %w", err)
	}
	for i := range findings {
		findings[i].Fingerprint = report.Fingerprint("", "", findings[i])
	}
	m.Findings = append(m.Findings, findings...)
	m.Errors = errs
	m.Elapsed = time.Since(start)
	return m, nil
}

// callJSON makes one call with the default retries and decodes the body.
func callJSON(ctx context.Context, api cloud.API, action string, params map[string]string) (map[string]any, error) {
	var body map[string]any
	err := cloud.DefaultRetry.Do(ctx, action, nil, func(ctx context.Context) error {
		raw, err := api.Call(ctx, cloud.ProductCloudAPI, action, params)
		if err != nil {
			return err
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil || m == nil {
			return &cloud.APIError{Call: action, Code: cloud.CodeMalformedResponse, Kind: cloud.KindAmbiguous, Message: "the answer is not a JSON object"}
		}
		body = m
		return nil
	})
	return body, err
}

func listOf(m map[string]any, keys ...string) []any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	l, _ := cur.([]any)
	return l
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

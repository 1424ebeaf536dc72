// Package preflight is the use case: loaded snapshot documents go through
// the rule engine and come back as one report.Result, each finding with its
// line in its document and its fingerprint. Terraform plans go through the
// plan rules the same way (EvaluatePlan). The gate's outcome is the
// result's Verdict.
package preflight

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
	"github.com/apigw-preflight/apigw-preflight/terraform"
)

// Options say how the result is judged and labelled.
type Options struct {
	// FailOn is the gate threshold.
	FailOn report.Threshold
	// FailOnUndecided also fails the gate on an undecided finding of a rule
	// whose default severity is error.
	FailOnUndecided bool
	// Tool names the program in the result.
	Tool report.Tool
	// WorkDir is the directory input paths are made relative to in reports
	// that need relative paths (SARIF).
	WorkDir string
}

// Run evaluates every document with eng, in order, and returns the result:
// one migration per document. A rule that cannot be evaluated on a document
// is recorded in its migration (the verdict is then VerdictError); an error
// is returned only when a document cannot be evaluated at all.
func Run(ctx context.Context, eng *policies.Engine, docs []*snapshot.Document, opts Options) (*report.Result, error) {
	migs := make([]report.Migration, 0, len(docs))
	for _, doc := range docs {
		m, err := Evaluate(ctx, eng, doc)
		if err != nil {
			return nil, err
		}
		migs = append(migs, m)
	}
	return NewResult(eng, migs, opts), nil
}

// NewResult assembles the result of migrations evaluated one by one
// (Evaluate, EvaluatePlan). The plan rules are described when a plan is
// among them, the fleet rules when an audit's fleet record is.
func NewResult(eng *policies.Engine, migs []report.Migration, opts Options) *report.Result {
	rules := eng.Rules()
	if slices.ContainsFunc(migs, func(m report.Migration) bool { return m.IsPlan() }) {
		rules = append(rules, eng.PlanRules()...)
		slices.SortFunc(rules, func(a, b report.Rule) int { return strings.Compare(a.ID, b.ID) })
	}
	if slices.ContainsFunc(migs, func(m report.Migration) bool { return m.IsFleet() }) {
		rules = append(rules, eng.FleetRules()...)
		slices.SortFunc(rules, func(a, b report.Rule) int { return strings.Compare(a.ID, b.ID) })
	}
	return &report.Result{
		Tool:            opts.Tool,
		Rules:           rules,
		FailOn:          opts.FailOn,
		FailOnUndecided: opts.FailOnUndecided,
		Migrations:      migs,
		WorkDir:         opts.WorkDir,
	}
}

// Evaluate checks one document and returns its migration record.
func Evaluate(ctx context.Context, eng *policies.Engine, doc *snapshot.Document) (report.Migration, error) {
	start := time.Now()
	var evaluated []string
	for _, r := range eng.Rules() {
		evaluated = append(evaluated, r.ID)
	}
	m := report.Migration{
		Input:       doc.Name,
		GroupID:     doc.GroupID,
		GroupName:   doc.GroupName,
		RegionID:    doc.RegionID,
		Source:      doc.SourceID,
		Destination: doc.DestID,
		CollectedAt: doc.CollectedAt,
		Findings:    []report.Finding{},
		Evaluated:   evaluated,
	}
	input, err := policies.InputValue(doc.Value)
	if err != nil {
		return m, fmt.Errorf("%s: %w", doc.Name, err)
	}
	findings, errs, err := eng.Evaluate(ctx, input)
	if err != nil {
		return m, fmt.Errorf("evaluate %s: %w", doc.Name, err)
	}
	for i := range findings {
		f := &findings[i]
		if len(f.Path) > 0 {
			f.Line = doc.Lines.Line(f.Path)
		}
		f.Fingerprint = report.Fingerprint(m.GroupID, m.Destination, *f)
	}
	m.Findings = append(m.Findings, findings...)
	m.Errors = errs
	m.Elapsed = time.Since(start)
	return m, nil
}

// EvaluatePlan checks one Terraform plan with the plan rules and returns
// its record: a migration of kind terraform-plan whose findings name the
// plan's resources.
func EvaluatePlan(ctx context.Context, eng *policies.Engine, pl *terraform.Plan) (report.Migration, error) {
	start := time.Now()
	m := report.Migration{Input: pl.Name, Kind: report.KindTerraformPlan, Findings: []report.Finding{}}
	input, err := policies.InputValue(pl.Value)
	if err != nil {
		return m, fmt.Errorf("%s: %w", pl.Name, err)
	}
	findings, errs, err := eng.EvaluatePlan(ctx, input)
	if err != nil {
		return m, fmt.Errorf("evaluate %s: %w", pl.Name, err)
	}
	for i := range findings {
		f := &findings[i]
		if len(f.Path) > 0 {
			f.Line = pl.Lines.Line(f.Path)
		}
		f.Fingerprint = report.Fingerprint("", "", *f)
	}
	m.Findings = append(m.Findings, findings...)
	m.Errors = errs
	for _, r := range eng.PlanRules() {
		m.Evaluated = append(m.Evaluated, r.ID)
	}
	m.Elapsed = time.Since(start)
	return m, nil
}

// Package preflight is the use case: loaded snapshot documents go through
// the rule engine and come back as one report.Result, each finding with its
// line in its document and its fingerprint. The gate's outcome is the
// result's Verdict.
package preflight

import (
	"context"
	"fmt"
	"slices"

	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
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
	var evaluated []string
	for _, r := range eng.Rules() {
		evaluated = append(evaluated, r.ID)
	}
	migs := make([]report.Migration, 0, len(docs))
	for _, doc := range docs {
		m, err := evaluate(ctx, eng, doc, evaluated)
		if err != nil {
			return nil, err
		}
		migs = append(migs, m)
	}
	return &report.Result{
		Tool:            opts.Tool,
		Rules:           eng.Rules(),
		FailOn:          opts.FailOn,
		FailOnUndecided: opts.FailOnUndecided,
		Migrations:      migs,
		WorkDir:         opts.WorkDir,
	}, nil
}

// evaluate checks one document and returns its migration record.
func evaluate(ctx context.Context, eng *policies.Engine, doc *snapshot.Document, evaluated []string) (report.Migration, error) {
	m := report.Migration{
		Input:       doc.Name,
		GroupID:     doc.GroupID,
		GroupName:   doc.GroupName,
		RegionID:    doc.RegionID,
		Source:      doc.SourceID,
		Destination: doc.DestID,
		CollectedAt: doc.CollectedAt,
		Findings:    []report.Finding{},
		Evaluated:   slices.Clone(evaluated),
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
	return m, nil
}

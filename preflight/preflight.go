// Package preflight is the use case: loaded snapshot documents go through
// the rule engine and come back as one report.Result, each finding with its
// line in its document and its fingerprint, and the waivers given accept
// the findings they match. Terraform plans go through the
// plan rules the same way (EvaluatePlan). The gate's outcome is the
// result's Verdict.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
	"github.com/apigw-preflight/apigw-preflight/terraform"
	"github.com/apigw-preflight/apigw-preflight/waiver"
)

// Options say how the result is judged and labelled.
type Options struct {
	// FailOn is the gate threshold.
	FailOn report.Threshold
	// FailOnUndecided also fails the gate on an undecided finding of a rule
	// whose default severity is error.
	FailOnUndecided bool
	// Jobs is the number of documents Run evaluates at once; GOMAXPROCS
	// when 0.
	Jobs int
	// Tool names the program in the result.
	Tool report.Tool
	// WorkDir is the directory input paths are made relative to in reports
	// that need relative paths (SARIF).
	WorkDir string
	// Now is the evaluation time the result records (Result.EvaluatedAt).
	Now time.Time
	// Waivers, when set, accept the findings they match (see waiver.Set);
	// nil means no waivers.
	Waivers *waiver.Set
}

// Run evaluates every document with eng and returns the result: one
// migration per document, in the order of docs whatever the parallelism
// (opts.Jobs). A rule that cannot be evaluated on a document is recorded in
// its migration (the verdict is then VerdictError); an error is returned
// only when a document cannot be evaluated at all.
func Run(ctx context.Context, eng *policies.Engine, docs []*snapshot.Document, opts Options) (*report.Result, error) {
	migs, _, err := Stream(ctx, eng, len(docs), opts.Jobs, func(i int) (*snapshot.Document, error) {
		return docs[i], nil
	})
	if err != nil {
		return nil, err
	}
	return NewResult(eng, migs, opts), nil
}

// Stream reads and evaluates n inputs on jobs workers (GOMAXPROCS when jobs
// is 0 or less) and keeps only their migrations, so memory holds the
// findings, not the documents. load(i) reads and validates input i; it
// returns a nil document for an input that is not a snapshot (the caller
// handles it; its slot in the migrations stays the zero Migration) and an
// error for a bad one, kept in loadErrs[i]. Once an input is bad, the later
// ones are still loaded, so that every bad input is named, but no longer
// evaluated. Migrations come back in input order. The error return is for a
// document that could not be evaluated at all, or a cancelled context.
func Stream(ctx context.Context, eng *policies.Engine, n, jobs int, load func(i int) (*snapshot.Document, error)) (migs []report.Migration, loadErrs []error, err error) {
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	jobs = min(jobs, max(n, 1))
	migs = make([]report.Migration, n)
	loadErrs = make([]error, n)
	ids := ruleIDs(eng)
	evalErrs := make([]error, n)
	parent := ctx
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var (
		next atomic.Int64 // the next input to take
		bad  atomic.Bool  // an input failed to load: stop evaluating
		wg   sync.WaitGroup
	)
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				doc, err := load(i)
				if err != nil {
					loadErrs[i] = err
					bad.Store(true)
					continue
				}
				if doc == nil || bad.Load() {
					continue
				}
				if migs[i], err = evaluate(ctx, eng, doc, ids); err != nil {
					evalErrs[i] = err
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	if err := parent.Err(); err != nil {
		return nil, loadErrs, err
	}
	for _, err := range evalErrs {
		// The first failure in input order, not the cancellations it
		// caused in the other workers.
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, loadErrs, err
		}
	}
	return migs, loadErrs, nil
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
	r := &report.Result{
		Tool:            opts.Tool,
		Rules:           rules,
		Packs:           eng.Packs(),
		Settings:        eng.Settings(),
		FailOn:          opts.FailOn,
		FailOnUndecided: opts.FailOnUndecided,
		Migrations:      migs,
		WorkDir:         opts.WorkDir,
		EvaluatedAt:     opts.Now,
	}
	if opts.Waivers != nil {
		opts.Waivers.Apply(r)
	}
	return r
}

// Evaluate checks one document and returns its migration record.
func Evaluate(ctx context.Context, eng *policies.Engine, doc *snapshot.Document) (report.Migration, error) {
	return evaluate(ctx, eng, doc, ruleIDs(eng))
}

// ruleIDs lists the IDs of eng's rules, the migrations' Evaluated. Its
// capacity is its length, so the slice can be shared by every migration of
// a run (Stream: one copy instead of one per input) and an append to one
// migration's list copies it.
func ruleIDs(eng *policies.Engine) []string {
	var ids []string
	for _, r := range eng.Rules() {
		ids = append(ids, r.ID)
	}
	return slices.Clip(ids)
}

// evaluate is Evaluate with the rule IDs given.
func evaluate(ctx context.Context, eng *policies.Engine, doc *snapshot.Document, evaluated []string) (report.Migration, error) {
	start := time.Now()
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
	if findings != nil {
		m.Findings = findings
	}
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
	if findings != nil {
		m.Findings = findings
	}
	m.Errors = errs
	for _, r := range eng.PlanRules() {
		m.Evaluated = append(m.Evaluated, r.ID)
	}
	m.Elapsed = time.Since(start)
	return m, nil
}

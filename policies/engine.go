// Package policies embeds the built-in Rego rule pack and evaluates it. The
// engine compiles the modules once, prepares one query per rule once, and then
// evaluates any number of inputs. Rule metadata comes from each rule's
// METADATA annotation, the single source of truth for IDs, titles,
// severities and remediations.
package policies

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/apigw-preflight/apigw-preflight/cloud/calls"
	"github.com/apigw-preflight/apigw-preflight/report"
)

// Builtin holds the built-in policies: the Rego files of lib/ and of every
// rules/<name>/, tests included (the engine skips *_test.rego; the test
// runner uses them). The firing samples in rules/<name>/testdata/ stay out
// of the binary.
//
//go:embed lib/*.rego rules/*/*.rego
var Builtin embed.FS

// RulesPrefix is the package prefix under which rule packages live.
const RulesPrefix = "data.apigw.rules."

// PlanRulesPrefix is the package prefix of the rules evaluated on Terraform
// plans (terraform show -json) instead of snapshots; they have the same
// METADATA contract.
const PlanRulesPrefix = "data.apigw.terraform."

// Options configure an engine.
type Options struct {
	// Settings are the user's choices for the rules (enabled, severity,
	// parameters), applied in order over the METADATA defaults. A setting
	// that names an unknown rule or parameter, or has a bad value, makes New
	// fail with a *SettingError.
	Settings []Setting
	// Extra are further policy files (path -> source) compiled with the
	// built-in ones, e.g. an organisation's own rules.
	Extra map[string]string
	// MaxAge turns on the tool finding AGP001 snapshot-stale: a snapshot
	// collected more than MaxAge before Now. Zero leaves it off.
	MaxAge time.Duration
	// Now is the time a snapshot's age is measured at; zero means the clock
	// when each input is evaluated. The rules themselves never read the
	// clock (they reason from collectedAt).
	Now time.Time
}

// Engine evaluates the rule pack. It is safe for concurrent use.
type Engine struct {
	opts Options
	// rules are the enabled rules, with the severity the settings give
	// them; declared holds each one's METADATA severity.
	rules    []report.Rule
	declared []report.Severity
	// all evaluates every rule in one query, sharing the work of common
	// helpers (the lib's accessors and tables are computed once per input);
	// on the samples it allocates a third less than the per-rule queries
	// and is faster (make bench: EvaluateBatch against
	// EvaluateBatchPerRule). queries, one per rule, run only when the
	// combined query fails, to pin the error on its rule.
	all     rego.PreparedEvalQuery
	queries []rego.PreparedEvalQuery
	// plan evaluates the rules under PlanRulesPrefix (nil when there are
	// none); it has no tool rules.
	plan *Engine
	// fleet evaluates the rules under FleetRulesPrefix once per audit, and
	// capacity computes a snapshot's placement data (fleet.go).
	fleet    *Engine
	capacity rego.PreparedEvalQuery
}

// LoadModules parses policy files from fsys (every .rego file; tests
// included when withTests is set) in Rego v1 with annotations.
func LoadModules(fsys fs.FS, withTests bool) (map[string]*ast.Module, error) {
	mods := map[string]*ast.Module{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".rego" {
			return nil
		}
		if !withTests && strings.HasSuffix(p, "_test.rego") {
			return nil
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		m, err := ParseModule(p, string(src))
		if err != nil {
			return err
		}
		mods[p] = m
		return nil
	})
	return mods, err
}

// ParseModule parses one Rego v1 file with its METADATA annotations.
func ParseModule(name, src string) (*ast.Module, error) {
	return ast.ParseModuleWithOpts(name, src, ast.ParserOptions{
		RegoVersion:       ast.RegoV1,
		ProcessAnnotation: true,
	})
}

// Compile compiles modules in strict mode.
func Compile(mods map[string]*ast.Module) (*ast.Compiler, error) {
	c := ast.NewCompiler().
		WithStrict(true).
		WithEnablePrintStatements(false).
		WithDefaultRegoVersion(ast.RegoV1)
	c.Compile(mods)
	if c.Failed() {
		return nil, fmt.Errorf("compile policies: %w", c.Errors)
	}
	return c, nil
}

// New compiles the built-in rules (plus opts.Extra) and prepares their
// queries.
func New(ctx context.Context, opts Options) (*Engine, error) {
	mods, err := LoadModules(Builtin, false)
	if err != nil {
		return nil, fmt.Errorf("load built-in policies: %w", err)
	}
	for name, src := range opts.Extra {
		m, err := ParseModule(name, src)
		if err != nil {
			return nil, err
		}
		mods[name] = m
	}
	comp, err := Compile(mods)
	if err != nil {
		return nil, err
	}
	all, err := RulesFromModules(mods)
	if err != nil {
		return nil, err
	}
	if err := checkParamCalls(comp, all); err != nil {
		return nil, err
	}
	settings, err := resolveSettings(all, opts.Settings)
	if err != nil {
		return nil, err
	}
	e := &Engine{opts: opts}
	plan := &Engine{}
	fleet := &Engine{}
	params := map[string]any{}
	for _, r := range all {
		rs := settings[r.ID]
		if len(r.Params) > 0 {
			params[r.ID] = rs.params
		}
		if rs.disabled {
			continue
		}
		into := e
		if strings.HasPrefix(r.Package, PlanRulesPrefix) {
			into = plan
		}
		if strings.HasPrefix(r.Package, FleetRulesPrefix) {
			into = fleet
		}
		into.declared = append(into.declared, r.Severity)
		if rs.severity != report.SeverityNone {
			r.Severity = rs.severity
		}
		into.rules = append(into.rules, r)
	}
	store := storeFor(params)
	prepare := func(q string) (rego.PreparedEvalQuery, error) {
		return rego.New(
			rego.Compiler(comp),
			rego.Store(store),
			rego.Query(q),
			rego.StrictBuiltinErrors(true),
		).PrepareForEval(ctx)
	}
	refs := make([]string, len(e.rules))
	for i, r := range e.rules {
		refs[i] = r.Package + ".findings"
		pq, err := prepare(refs[i])
		if err != nil {
			return nil, fmt.Errorf("prepare rule %s: %w", r.ID, err)
		}
		e.queries = append(e.queries, pq)
	}
	if e.all, err = prepare("x = [" + strings.Join(refs, ", ") + "]"); err != nil {
		return nil, fmt.Errorf("prepare rules: %w", err)
	}
	if len(plan.rules) > 0 {
		e.plan = plan
		refs := make([]string, len(plan.rules))
		for i, r := range plan.rules {
			refs[i] = r.Package + ".findings"
			pq, err := prepare(refs[i])
			if err != nil {
				return nil, fmt.Errorf("prepare rule %s: %w", r.ID, err)
			}
			plan.queries = append(plan.queries, pq)
		}
		if plan.all, err = prepare("x = [" + strings.Join(refs, ", ") + "]"); err != nil {
			return nil, fmt.Errorf("prepare plan rules: %w", err)
		}
	}
	if err := e.prepareFleet(fleet, prepare); err != nil {
		return nil, err
	}
	return e, nil
}

// PlanRules returns the rules evaluated on Terraform plans, sorted by ID:
// disabled rules are left out, and a rule's Severity is the one the
// settings give it.
func (e *Engine) PlanRules() []report.Rule {
	if e.plan == nil {
		return nil
	}
	return slices.Clone(e.plan.rules)
}

// EvaluatePlan runs the plan rules on one input (a decoded terraform show
// -json plan), as Evaluate does the snapshot rules; there are no tool
// findings on plans.
func (e *Engine) EvaluatePlan(ctx context.Context, input ast.Value) ([]report.Finding, []report.RuleError, error) {
	if e.plan == nil {
		return nil, nil, ctx.Err()
	}
	return e.plan.Evaluate(ctx, input)
}

// Rules returns the rules the engine evaluates, tool rules (AGP) included,
// sorted by ID: disabled rules are left out, and a rule's Severity is the
// one the settings give it.
func (e *Engine) Rules() []report.Rule {
	rules := append(slices.Clone(e.rules), e.opts.toolRules()...)
	slices.SortFunc(rules, func(a, b report.Rule) int { return strings.Compare(a.ID, b.ID) })
	return rules
}

var ruleIDPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]*[0-9]+$`)

// RulesFromModules reads rule descriptors from the package METADATA of every
// module under data.apigw.rules, data.apigw.terraform and data.apigw.fleet. A rule package
// may span several files, one of which holds the METADATA block; a rule
// package without one, or two packages with one ID, is an error.
func RulesFromModules(mods map[string]*ast.Module) ([]report.Rule, error) {
	var rules []report.Rule
	seen := map[string]string{}
	described := map[string]bool{}
	var bare []string // files of rule packages without a METADATA block
	names := make([]string, 0, len(mods))
	for n := range mods {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, file := range names {
		m := mods[file]
		pkg := m.Package.Path.String()
		if !(strings.HasPrefix(pkg, RulesPrefix) || strings.HasPrefix(pkg, PlanRulesPrefix) || strings.HasPrefix(pkg, FleetRulesPrefix)) || strings.HasSuffix(pkg, "_test") {
			continue
		}
		var ann *ast.Annotations
		for _, a := range m.Annotations {
			if a.Scope == "package" {
				ann = a
			}
		}
		if ann == nil {
			bare = append(bare, file)
			continue
		}
		r, err := ruleFromAnnotation(file, pkg, ann)
		if err != nil {
			return nil, err
		}
		if other, dup := seen[r.ID]; dup {
			return nil, fmt.Errorf("%s: rule ID %s is already used by %s", file, r.ID, other)
		}
		seen[r.ID] = file
		described[pkg] = true
		rules = append(rules, r)
	}
	for _, file := range bare {
		if pkg := mods[file].Package.Path.String(); !described[pkg] {
			return nil, fmt.Errorf("%s: rule package %s has no METADATA block (needs custom.id, name, severity, remediation)", file, pkg)
		}
	}
	slices.SortFunc(rules, func(a, b report.Rule) int { return strings.Compare(a.ID, b.ID) })
	return rules, nil
}

func ruleFromAnnotation(file, pkg string, a *ast.Annotations) (report.Rule, error) {
	custom := a.Custom
	str := func(k string) string {
		s, _ := custom[k].(string)
		return strings.TrimSpace(s)
	}
	r := report.Rule{
		ID:               str("id"),
		Name:             str("name"),
		Title:            strings.TrimSpace(a.Title),
		Description:      strings.TrimSpace(a.Description),
		Remediation:      str("remediation"),
		SecuritySeverity: str("security-severity"),
		Package:          pkg,
	}
	if !ruleIDPattern.MatchString(r.ID) {
		return r, fmt.Errorf("%s: METADATA custom.id %q is not a rule ID like MIG001", file, r.ID)
	}
	if r.Name == "" || r.Title == "" {
		return r, fmt.Errorf("%s: rule %s needs a title and custom.name in METADATA", file, r.ID)
	}
	sev, err := report.ParseSeverity(str("severity"))
	if err != nil {
		return r, fmt.Errorf("%s: rule %s: METADATA custom.severity: %w", file, r.ID, err)
	}
	r.Severity = sev
	switch r.Precision = str("precision"); r.Precision {
	case "", "very-high", "high", "medium", "low":
	default:
		return r, fmt.Errorf("%s: rule %s: METADATA custom.precision %q: want very-high, high, medium or low", file, r.ID, r.Precision)
	}
	if tags, ok := custom["tags"].([]any); ok {
		for _, t := range tags {
			if s, ok := t.(string); ok {
				r.Tags = append(r.Tags, s)
			}
		}
	}
	for _, rr := range a.RelatedResources {
		if rr != nil && rr.Ref.String() != "" {
			r.HelpURI = rr.Ref.String()
			break
		}
	}
	if r.Params, err = parseParams(file, r.ID, custom["params"]); err != nil {
		return r, err
	}
	return r, nil
}

// Evaluate runs every rule on one input (a decoded snapshot). Findings come
// back sorted; a rule that fails to evaluate is reported in the errors, never
// as a pass. The error return is for a cancelled context only.
func (e *Engine) Evaluate(ctx context.Context, input ast.Value) ([]report.Finding, []report.RuleError, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	findings, ok := e.evaluateAll(ctx, input)
	var errs []report.RuleError
	if !ok {
		var err error
		if findings, errs, err = e.evaluateEach(ctx, input); err != nil {
			return nil, nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	findings = append(findings, e.toolFindings(input)...)
	report.SortFindings(findings)
	return findings, errs, nil
}

// evaluateAll is the fast path: one query for every rule. It reports false
// when anything goes wrong, and the caller evaluates rule by rule to say
// which rule failed.
func (e *Engine) evaluateAll(ctx context.Context, input ast.Value) ([]report.Finding, bool) {
	rs, err := e.all.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil || len(rs) != 1 {
		return nil, false
	}
	sets, ok := rs[0].Bindings["x"].([]any)
	if !ok || len(sets) != len(e.rules) {
		return nil, false
	}
	var findings []report.Finding
	for i, set := range sets {
		fs, err := e.decodeFindings(i, set)
		if err != nil {
			return nil, false
		}
		findings = append(findings, fs...)
	}
	report.SortFindings(findings)
	return findings, true
}

func (e *Engine) evaluateEach(ctx context.Context, input ast.Value) ([]report.Finding, []report.RuleError, error) {
	var findings []report.Finding
	var errs []report.RuleError
	for i, pq := range e.queries {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		rule := e.rules[i]
		rs, err := pq.Eval(ctx, rego.EvalParsedInput(input))
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			errs = append(errs, report.RuleError{RuleID: rule.ID, Message: err.Error()})
			continue
		}
		if len(rs) == 0 || len(rs[0].Expressions) == 0 {
			errs = append(errs, report.RuleError{RuleID: rule.ID, Message: "findings is undefined; a rule package must define the partial set rule 'findings'"})
			continue
		}
		fs, err := e.decodeFindings(i, rs[0].Expressions[0].Value)
		if err != nil {
			errs = append(errs, report.RuleError{RuleID: rule.ID, Message: err.Error()})
			continue
		}
		findings = append(findings, fs...)
	}
	report.SortFindings(findings)
	return findings, errs, nil
}

// rawFinding is the object a rule's findings set holds.
type rawFinding struct {
	Severity    string          `json:"severity"`
	Message     string          `json:"message"`
	Remediation string          `json:"remediation"`
	Resource    report.Resource `json:"resource"`
	Path        []any           `json:"path"`
	Key         any             `json:"key"`
	Undecided   any             `json:"undecided"`
}

// undecidedPrefix begins the message of every finding of a rule that could
// not decide; the lib's undecided helper writes it and sets the marker.
const undecidedPrefix = "could not check"

// decodeFindings reads the findings set of rule i. A finding without a
// severity has the rule's METADATA default; a severity setting then moves
// the findings at that default (see overrideSeverity).
func (e *Engine) decodeFindings(i int, set any) ([]report.Finding, error) {
	rule, declared := e.rules[i], e.declared[i]
	raw, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("rule %s: encode findings: %w", rule.ID, err)
	}
	var items []rawFinding
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("rule %s: findings must be a set of objects: %w", rule.ID, err)
	}
	out := make([]report.Finding, 0, len(items))
	for _, it := range items {
		f := report.Finding{
			RuleID:      rule.ID,
			RuleName:    rule.Name,
			Severity:    declared,
			Message:     strings.TrimSpace(it.Message),
			Remediation: strings.TrimSpace(it.Remediation),
			Resource:    it.Resource,
		}
		// The marker, or the wording alone: a rule that says it could not
		// check has not passed, whether or not it sets the marker.
		switch u := it.Undecided.(type) {
		case nil:
		case bool:
			f.Undecided = u
		default:
			return nil, fmt.Errorf("rule %s: finding field undecided must be a boolean, not %v", rule.ID, u)
		}
		if strings.HasPrefix(strings.ToLower(f.Message), undecidedPrefix) {
			f.Undecided = true
		}
		if it.Severity != "" {
			sev, err := report.ParseSeverity(it.Severity)
			if err != nil {
				return nil, fmt.Errorf("rule %s: finding severity: %w", rule.ID, err)
			}
			f.Severity = sev
		}
		if rule.Severity != declared {
			f.Severity = overrideSeverity(f.Severity, declared, rule.Severity)
		}
		if f.Message == "" {
			return nil, fmt.Errorf("rule %s: a finding has no message", rule.ID)
		}
		if f.Remediation == "" {
			f.Remediation = rule.Remediation
		}
		for _, p := range it.Path {
			f.Path = append(f.Path, fmt.Sprint(p))
		}
		if it.Key != nil {
			f.Key = fmt.Sprint(it.Key)
		}
		out = append(out, f)
	}
	return out, nil
}

// InputValue converts a decoded JSON document into the form the engine
// evaluates, once per document.
func InputValue(doc map[string]any) (ast.Value, error) {
	v, err := ast.InterfaceToValue(doc)
	if err != nil {
		return nil, fmt.Errorf("convert input: %w", err)
	}
	return v, nil
}

// storeFor holds the rules' parameter values under data.apigw.params and
// the cloud call registry under data.apigw.calls.
func storeFor(params map[string]any) storage.Store {
	if params == nil {
		params = map[string]any{}
	}
	return inmem.NewFromObject(map[string]any{"apigw": map[string]any{"params": params, "calls": calls.Data()}})
}

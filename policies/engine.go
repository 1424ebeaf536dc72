// Package policies embeds the built-in Rego rule pack and evaluates it. The
// engine compiles the modules once, prepares one query per rule once, and then
// evaluates any number of inputs. Rule metadata comes from each rule's
// METADATA annotation, the single source of truth for IDs, titles,
// severities and remediations.
package policies

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	// built-in ones as part of the built-in pack: rules under
	// data.apigw.rules, held to the built-in contract (tests use it).
	Extra map[string]string
	// Packs are an organisation's policies (LoadPack), held to the org
	// rule contract (see org.go); Data the merged data documents they read
	// (Pack.Data), at the top of data beside data.apigw; the waiver
	// governance is read from Data["waivers"].
	Packs []Source
	Data  map[string]any
	// Only, when set, runs just these rules (IDs or names, tool rules
	// included); Skip leaves these out. An unknown name makes New fail
	// with a *SettingError.
	Only, Skip []string
	// toolOff records that Only or Skip turned the tool rule off.
	toolOff bool
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
	// all evaluates every rule in one query, the list of the rules'
	// findings sets, sharing the work of common helpers (the lib's
	// accessors and tables are computed once per input); on the samples it
	// allocates a third less than the per-rule queries and is faster (make
	// bench: EvaluateBatch against EvaluateBatchPerRule). Go stamps the
	// sets (decodeFindings), which costs less than the entrypoint's
	// stamping in Rego and gives the same findings
	// (TestEntrypointEqualsPerRuleDecoding). queries, one per rule, run
	// only when the combined query fails, to pin the error on its rule.
	all     rego.PreparedEvalQuery
	queries []rego.PreparedEvalQuery
	// entry evaluates data.apigw.findings, the document an OPA server
	// serves (nil for the plan rules); the engine itself evaluates all.
	entry *rego.PreparedEvalQuery
	// plan evaluates the rules under PlanRulesPrefix (nil when there are
	// none); it has no tool rules.
	plan *Engine
	// packs are the organisation packs; settings the non-default rule
	// settings (see Settings).
	packs    []report.Pack
	settings []report.RuleSettingRecord
	// entrypoint is the generated module (EntrypointFile) that entry
	// evaluates, "" for the plan rules; settingsDoc is
	// data.apigw_settings.
	entrypoint  string
	settingsDoc map[string]any
	// generated are the modules the engine generated (file -> source).
	generated map[string]string
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
	return compile(mods, true)
}

func compile(mods map[string]*ast.Module, strict bool) (*ast.Compiler, error) {
	c := ast.NewCompiler().
		WithStrict(strict).
		WithEnablePrintStatements(false).
		WithDefaultRegoVersion(ast.RegoV1)
	c.Compile(mods)
	if c.Failed() {
		return nil, fmt.Errorf("compile policies: %w", c.Errors)
	}
	return c, nil
}

// New compiles the built-in rules (plus opts.Extra and the organisation
// packs opts.Packs) and prepares their queries.
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
	all, err := RulesFromModules(mods)
	if err != nil {
		return nil, err
	}
	refs := map[string]string{}
	var org []orgRule
	if len(opts.Packs) > 0 {
		if err := checkOrgModules(mods, opts.Packs); err != nil {
			return nil, err
		}
		if org, err = orgRules(opts.Packs, all); err != nil {
			return nil, err
		}
		for _, src := range opts.Packs {
			for _, m := range src.Modules {
				if !m.Test {
					mods[m.File] = m.Parsed
				}
			}
		}
		for _, o := range org {
			if o.wrapper != "" {
				m, err := ParseModule(o.wrapperFile, o.wrapper)
				if err != nil {
					return nil, fmt.Errorf("conftest wrapper for %s: %w", o.rule.Source, err)
				}
				mods[o.wrapperFile] = m
			}
			refs[o.rule.ID] = o.ref
			all = append(all, o.rule)
		}
		slices.SortFunc(all, func(a, b report.Rule) int { return strings.Compare(a.ID, b.ID) })
	}
	var snapRules []report.Rule
	for _, r := range all {
		if !strings.HasPrefix(r.Package, PlanRulesPrefix) {
			snapRules = append(snapRules, r)
		}
	}
	entry := entrypointModule(snapRules, refs)
	if mods[EntrypointFile], err = ParseModule(EntrypointFile, entry); err != nil {
		return nil, fmt.Errorf("generated entrypoint: %w", err)
	}
	// Organisation policies compile as OPA and conftest compile them (not
	// strict); the built-in pack alone is held to strict mode.
	comp, err := compile(mods, len(org) == 0 && len(opts.Packs) == 0)
	if err != nil {
		var ae ast.Errors
		if len(opts.Packs) > 0 && errors.As(err, &ae) {
			return nil, compileError(ae)
		}
		return nil, err
	}
	if err := checkParamCalls(comp, all); err != nil {
		if len(org) > 0 {
			return nil, &PolicyError{Msg: err.Error()}
		}
		return nil, err
	}
	settings, err := resolveSettings(all, opts.Settings)
	if err != nil {
		return nil, err
	}
	if err := applyOnlySkip(all, settings, &opts); err != nil {
		return nil, err
	}
	e := &Engine{opts: opts, entrypoint: entry, generated: map[string]string{EntrypointFile: entry}}
	for _, o := range org {
		if o.wrapper != "" {
			e.generated[o.wrapperFile] = o.wrapper
		}
	}
	plan := &Engine{}
	fleet := &Engine{}
	params := map[string]any{}
	ruleSettings := map[string]any{}
	for _, r := range all {
		rs := settings[r.ID]
		if len(r.Params) > 0 {
			params[r.ID] = rs.params
		}
		if doc := rs.document(); len(doc) > 0 {
			ruleSettings[r.ID] = doc
		}
		if rec, ok := rs.record(r); ok {
			e.settings = append(e.settings, rec)
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
	if rec, ok := toolSettingRecord(opts); ok {
		e.settings = append(e.settings, rec)
		slices.SortFunc(e.settings, func(a, b report.RuleSettingRecord) int { return strings.Compare(a.RuleID, b.RuleID) })
	}
	e.packs = packsOf(opts.Packs, e.rules)
	e.settingsDoc = map[string]any{"params": params, "rules": ruleSettings}
	store := storeFor(e.settingsDoc, opts.Data)
	prepare := func(q string) (rego.PreparedEvalQuery, error) {
		return rego.New(
			rego.Compiler(comp),
			rego.Store(store),
			rego.Query(q),
			rego.StrictBuiltinErrors(true),
		).PrepareForEval(ctx)
	}
	prepareAll := func(into *Engine, what string, entrypoint bool) error {
		qs := make([]string, len(into.rules))
		for i, r := range into.rules {
			qs[i] = r.Package + ".findings"
			if ref, ok := refs[r.ID]; ok {
				qs[i] = ref
			}
			pq, err := prepare(qs[i])
			if err != nil {
				return fmt.Errorf("prepare rule %s: %w", r.ID, err)
			}
			into.queries = append(into.queries, pq)
		}
		if into.all, err = prepare("x = [" + strings.Join(qs, ", ") + "]"); err != nil {
			return fmt.Errorf("prepare %s: %w", what, err)
		}
		if entrypoint {
			pq, err := prepare("x = " + EntrypointRef)
			if err != nil {
				return fmt.Errorf("prepare %s: %w", EntrypointRef, err)
			}
			into.entry = &pq
		}
		return nil
	}
	if err := prepareAll(e, "rules", true); err != nil {
		return nil, err
	}
	if len(plan.rules) > 0 {
		e.plan = plan
		if err := prepareAll(plan, "plan rules", false); err != nil {
			return nil, err
		}
	}
	if err := e.prepareFleet(fleet, prepare); err != nil {
		return nil, err
	}
	return e, nil
}

// Packs returns the organisation packs the engine loaded, each with the
// IDs of its rules that run.
func (e *Engine) Packs() []report.Pack { return slices.Clone(e.packs) }

// Settings returns the rules that run with non-default settings or were
// turned off, sorted by rule ID.
func (e *Engine) Settings() []report.RuleSettingRecord { return slices.Clone(e.settings) }

// Data returns the merged organisation data documents (nil when none).
func (e *Engine) Data() map[string]any { return e.opts.Data }

// packsOf lists every pack with its rules among rules, in the order the
// packs were given.
func packsOf(sources []Source, rules []report.Rule) []report.Pack {
	var out []report.Pack
	for _, src := range sources {
		p := report.Pack{Name: src.Name, Version: src.Revision, Rules: []string{}}
		for _, r := range rules {
			if r.Pack == src.Name && slices.ContainsFunc(src.Modules, func(m Module) bool { return m.File == r.Source }) {
				p.Rules = append(p.Rules, r.ID)
			}
		}
		out = append(out, p)
	}
	return out
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
		r, err := ruleFromAnnotation(file, pkg, ann, false)
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

// ruleFromAnnotation reads a rule descriptor from package METADATA; an
// organisation rule (org) may leave out the title, which is then its name.
func ruleFromAnnotation(file, pkg string, a *ast.Annotations, org bool) (report.Rule, error) {
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
	if org && r.Title == "" {
		r.Title = r.Name
	}
	if org && r.Remediation == "" {
		return r, fmt.Errorf("%s: rule %s needs custom.remediation in METADATA (what to do about a finding)", file, r.ID)
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
	if w, ok := custom["waivable"].(bool); ok {
		r.Waivable = &w
	} else if custom["waivable"] != nil {
		return r, fmt.Errorf("%s: rule %s: METADATA custom.waivable must be true or false", file, r.ID)
	}
	r.TicketRequired, _ = custom["ticket_required"].(bool)
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
	rs, err := e.all.Eval(ctx, rego.EvalParsedInput(input), evalCache())
	if err != nil || len(rs) != 1 {
		return nil, false
	}
	sets, ok := rs[0].Bindings["x"].([]any)
	if !ok || len(sets) != len(e.rules) {
		return nil, false
	}
	var findings []report.Finding
	for i, set := range sets {
		var ok bool
		if findings, ok = e.appendFindings(findings, i, set); ok {
			continue
		}
		fs, err := e.decodeFindings(i, set)
		if err != nil {
			return nil, false
		}
		findings = append(findings, fs...)
	}
	report.SortFindings(findings)
	return findings, true
}

// evaluateEntrypoint evaluates data.apigw.findings, the document an OPA
// server given the pack serves, and decodes it; false as for evaluateAll.
func (e *Engine) evaluateEntrypoint(ctx context.Context, input ast.Value) ([]report.Finding, bool) {
	if e.entry == nil {
		return nil, false
	}
	rs, err := e.entry.Eval(ctx, rego.EvalParsedInput(input), evalCache())
	if err != nil || len(rs) != 1 {
		return nil, false
	}
	return e.decodeEntrypoint(rs[0].Bindings["x"])
}

func (e *Engine) evaluateEach(ctx context.Context, input ast.Value) ([]report.Finding, []report.RuleError, error) {
	var findings []report.Finding
	var errs []report.RuleError
	for i, pq := range e.queries {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		rule := e.rules[i]
		rs, err := pq.Eval(ctx, rego.EvalParsedInput(input), evalCache())
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
	Waivable    any             `json:"waivable"`
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
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // a number prints as Rego's sprintf %v prints it
	if err := dec.Decode(&items); err != nil {
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
		switch w := it.Waivable.(type) {
		case nil:
		case bool:
			f.Unwaivable = !w
		default:
			return nil, fmt.Errorf("rule %s: finding field waivable must be a boolean, not %v", rule.ID, w)
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

// appendFindings is decodeFindings without the JSON round trip, for the
// findings sets of the usual shape: objects whose fields are among
// rawFinding's (spelt as they are there), each of the type decodeFindings
// reads. It appends rule i's findings to out; anything else (a field of
// another type or spelling, a null, a bad severity or marker, text that is
// not valid UTF-8, a finding without a message) reports false with out as
// it was, for decodeFindings to read or refuse as it does.
func (e *Engine) appendFindings(out []report.Finding, i int, set any) ([]report.Finding, bool) {
	items, ok := set.([]any)
	if !ok {
		return out, false
	}
	rule, declared := e.rules[i], e.declared[i]
	n := len(out)
	for _, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			return out[:n], false
		}
		f := report.Finding{RuleID: rule.ID, RuleName: rule.Name, Severity: declared}
		var sev string
		for k, v := range m {
			switch k {
			case "message", "remediation", "severity":
				s, ok := v.(string)
				if !ok || !utf8.ValidString(s) {
					return out[:n], false
				}
				switch k {
				case "message":
					f.Message = strings.TrimSpace(s)
				case "remediation":
					f.Remediation = strings.TrimSpace(s)
				default:
					sev = s
				}
			case "resource":
				if !decodeResource(v, &f.Resource) {
					return out[:n], false
				}
			case "path":
				parts, ok := v.([]any)
				if !ok {
					return out[:n], false
				}
				for _, p := range parts {
					t, ok := scalarText(p)
					if !ok {
						return out[:n], false
					}
					f.Path = append(f.Path, t)
				}
			case "key":
				t, ok := scalarText(v)
				if !ok {
					return out[:n], false
				}
				f.Key = t
			case "undecided":
				b, ok := v.(bool)
				if !ok {
					return out[:n], false
				}
				f.Undecided = b
			case "waivable":
				b, ok := v.(bool)
				if !ok {
					return out[:n], false
				}
				f.Unwaivable = !b
			default:
				return out[:n], false
			}
		}
		if strings.HasPrefix(strings.ToLower(f.Message), undecidedPrefix) {
			f.Undecided = true
		}
		if sev != "" {
			s, err := report.ParseSeverity(sev)
			if err != nil {
				return out[:n], false
			}
			f.Severity = s
		}
		if rule.Severity != declared {
			f.Severity = overrideSeverity(f.Severity, declared, rule.Severity)
		}
		if f.Message == "" {
			return out[:n], false
		}
		if f.Remediation == "" {
			f.Remediation = rule.Remediation
		}
		out = append(out, f)
	}
	return out, true
}

// decodeResource reads a finding's resource object of kind, id and name
// strings into r; false for anything else.
func decodeResource(v any, r *report.Resource) bool {
	obj, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for k, x := range obj {
		s, ok := x.(string)
		if !ok || !utf8.ValidString(s) {
			return false
		}
		switch k {
		case "kind":
			r.Kind = s
		case "id":
			r.ID = s
		case "name":
			r.Name = s
		default:
			return false
		}
	}
	return true
}

// scalarText is a path element or key as decodeFindings prints it
// (fmt.Sprint of the decoded JSON value): strings, numbers and booleans;
// false for anything else.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, utf8.ValidString(x)
	case json.Number:
		return string(x), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
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

// storeFor holds the rule settings (parameter values, enabled, severity)
// under data.apigw_settings (SettingsRoot), the cloud call registry under
// data.apigw.calls and the organisation's data documents (which never
// write either; LoadPack refuses them) beside. The store keeps them as AST
// values, so that an evaluation reads them without converting them from Go
// values every time (make bench: EvaluateBatch).
func storeFor(settings, org map[string]any) storage.Store {
	if settings == nil {
		settings = map[string]any{"params": map[string]any{}, "rules": map[string]any{}}
	}
	doc := map[string]any{}
	for k, v := range org {
		doc[k] = v
	}
	doc["apigw"] = map[string]any{"calls": calls.Data()}
	doc[SettingsRoot] = settings
	return inmem.NewFromObjectWithOpts(doc, inmem.OptReturnASTValuesOnRead(true))
}

package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"
)

func init() {
	register(Format{
		Name:        "sarif",
		Description: "SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps)",
		New:         func(Options) Reporter { return sarifReporter{} },
	})
}

// SARIF output, one run per invocation. Decisions a reader of the file may
// want to know:
//
//   - Rule descriptors (tool.driver.rules) come from Result.Rules, that is from
//     the rules' METADATA; nothing here restates rule text. A finding or rule
//     error naming a rule absent from Result.Rules gets a minimal descriptor
//     (its ID and name standing in for descriptions and help, which GitHub
//     requires) so that ruleIndex stays valid.
//   - properties["security-severity"] is Rule.SecuritySeverity when set, else
//     derived from the default severity: error 8.0 (high), warning 5.0
//     (medium), note 2.0 (low), on GitHub's CVSS-like 0.0-10.0 scale.
//   - artifactLocation.uri is the input path relative to Result.WorkDir with
//     forward slashes. A snapshot read from standard input ("-") is reported
//     as the relative URI "stdin" (an artifact described as standard input);
//     an input outside WorkDir as an absolute file:// URI.
//   - message.text is the finding's message as its first sentence, which
//     stands alone as the alert title, then "Remediation: " and the
//     finding's remediation.
//   - locations[0].logicalLocations (kind "resource", the nearest of the
//     kinds SARIF lists for a cloud object) start with what the finding is
//     about, then the group and the destination and source instances, each
//     with properties.role; fullyQualifiedName is "<region>/<kind>/<id>",
//     e.g. "cn-hangzhou/group/<GroupId>".
//   - Every result has partialFingerprints["apigwPreflight/v1"]: the engine's
//     Finding.Fingerprint when set, otherwise sha256 over rule ID, group ID,
//     destination, resource kind and ID and finding key. Neither depends on
//     the input path or line, so an alert keeps its identity when the
//     snapshot file moves or changes shape.
//   - automationDetails.id (GitHub's "category"): for one migration
//     "apigw-preflight/<GroupId>-><Destination>/", so each migration's alerts
//     are tracked apart and a later run for the same move replaces the
//     earlier one. For several migrations "apigw-preflight/set-<hash>/",
//     where <hash> is the first 12 hex digits of sha256 over the sorted,
//     distinct "<GroupId>-><Destination>" pairs: the same set of moves always
//     gets the same category whatever the order of the inputs, and a
//     different set does not close the alerts of another one.
//   - An undecided finding ("could not check") has properties.undecided
//     true. Its kind stays "fail" (the default): SARIF allows a level other
//     than "none" only for that kind, and an undecided rule must stay
//     visible at its level rather than look informational.
//   - Tool findings (AGP001 snapshot-stale) are results like the rules'
//     findings, with their rule descriptor from Result.Rules.
//   - Rule evaluation errors are invocations[0].toolExecutionNotifications at
//     level error; executionSuccessful is false exactly when the verdict
//     is VerdictError (a rule could not be evaluated); exitCode is
//     Result.ExitCode.
//   - No timestamps and no working directory: the same Result gives the
//     same bytes.
type sarifReporter struct{}

const (
	sarifSchemaURI      = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifFingerprintKey = "apigwPreflight/v1"
	sarifStdinURI       = "stdin"
	sarifDefaultTool    = "apigw-preflight"
)

func (sarifReporter) Report(w io.Writer, r *Result) error {
	log, err := buildSARIF(r)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // keep "->" in automation IDs readable
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	return nil
}

// buildSARIF turns a Result into a SARIF log. It reads r and never changes it.
func buildSARIF(r *Result) (*sarif.Report, error) {
	log, err := sarif.New(sarif.Version210, false)
	if err != nil {
		return nil, fmt.Errorf("sarif: %w", err)
	}
	log.Schema = sarifSchemaURI

	run := sarif.NewRun(*sarif.NewTool(sarifDriver(r.Tool)))
	rules := newSARIFRules(r)
	run.Tool.Driver.Rules = rules.descriptors

	artifacts := map[string]int{} // uri -> index in run.Artifacts
	artifactFor := func(m *Migration) (string, int) {
		uri := sarifURI(r.WorkDir, m.Input)
		if i, ok := artifacts[uri]; ok {
			return uri, i
		}
		a := &sarif.Artifact{Length: -1} // -1: length unknown (the SARIF default)
		a.WithLocation(sarif.NewSimpleArtifactLocation(uri)).WithRole("analysisTarget")
		if m.Input == "-" {
			a.WithDescriptionText("Snapshot read from standard input.")
		}
		run.Artifacts = append(run.Artifacts, a)
		artifacts[uri] = len(run.Artifacts) - 1
		return uri, artifacts[uri]
	}

	inv := sarif.NewInvocation().
		WithExecutionSuccess(r.Verdict() != VerdictError).
		WithExitCode(r.ExitCode)

	for i := range r.Migrations {
		m := &r.Migrations[i]
		uri, ai := artifactFor(m)
		findings := slices.Clone(m.Findings)
		SortFindings(findings)
		for _, f := range findings {
			run.Results = append(run.Results, sarifResult(m, f, uri, ai, rules.index(f.RuleID)))
		}
		for _, e := range m.Errors {
			loc := sarif.NewLocationWithPhysicalLocation(sarifPhysical(uri, ai, 0)).
				WithLogicalLocations(sarifLogical(m, Resource{Kind: "group", ID: m.GroupID, Name: m.GroupName}))
			n := sarif.NewNotification().
				WithLevel("error").
				WithTextMessage(sarifSentence(fmt.Sprintf("Rule %s could not be evaluated for %s: %s", e.RuleID, m.ID(), e.Message))).
				WithAssociatedRule(sarif.NewReportingDescriptorReference().WithId(e.RuleID).WithIndex(rules.index(e.RuleID))).
				WithLocations([]*sarif.Location{loc})
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
		}
	}
	run.Invocations = []*sarif.Invocation{inv}
	run.AutomationDetails = sarif.NewRunAutomationDetails().
		WithID(sarifAutomationID(r.Migrations)).
		WithDescriptionText(sarifAutomationDescription(r.Migrations))
	log.AddRun(run)
	return log, nil
}

func sarifDriver(t Tool) *sarif.ToolComponent {
	name := t.Name
	if name == "" {
		name = sarifDefaultTool
	}
	d := sarif.NewDriver(name)
	if t.Version != "" {
		d.WithVersion(t.Version)
		if sv, ok := sarifSemanticVersion(t.Version); ok {
			d.WithSemanticVersion(sv)
		}
	}
	if t.InformationURI != "" {
		d.WithInformationURI(t.InformationURI)
	}
	return d
}

// sarifSemverRE is the SemVer 2.0.0 grammar (semver.org).
var sarifSemverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// sarifSemanticVersion returns v without a leading "v" when it is a SemVer 2.0
// version; development builds ("dev", "(devel)") have none.
func sarifSemanticVersion(v string) (string, bool) {
	v = strings.TrimPrefix(v, "v")
	return v, sarifSemverRE.MatchString(v)
}

// sarifRules holds the rule descriptors of a run and the index of each.
type sarifRules struct {
	descriptors []*sarif.ReportingDescriptor
	byID        map[string]int
}

func newSARIFRules(r *Result) *sarifRules {
	s := &sarifRules{descriptors: []*sarif.ReportingDescriptor{}, byID: map[string]int{}}
	for _, rule := range r.Rules {
		if _, dup := s.byID[rule.ID]; dup {
			continue
		}
		s.add(sarifRuleDescriptor(rule))
	}
	// Rules the findings or errors name but the result does not describe:
	// keep ruleIndex valid with a bare descriptor, in first-seen order.
	for _, m := range r.Migrations {
		for _, f := range m.Findings {
			if _, ok := s.byID[f.RuleID]; !ok {
				s.add(sarifRuleDescriptor(Rule{ID: f.RuleID, Name: f.RuleName}))
			}
		}
		for _, e := range m.Errors {
			if _, ok := s.byID[e.RuleID]; !ok {
				s.add(sarifRuleDescriptor(Rule{ID: e.RuleID}))
			}
		}
	}
	return s
}

func (s *sarifRules) add(d *sarif.ReportingDescriptor) {
	s.byID[d.ID] = len(s.descriptors)
	s.descriptors = append(s.descriptors, d)
}

func (s *sarifRules) index(id string) int { return s.byID[id] }

func sarifRuleDescriptor(rule Rule) *sarif.ReportingDescriptor {
	d := sarif.NewRule(rule.ID)
	if rule.Name != "" {
		d.WithName(rule.Name)
	}
	// GitHub requires shortDescription, fullDescription and help; fall back
	// on what the rule does have rather than leave one out.
	short := cmp.Or(rule.Title, rule.Name, rule.ID)
	full := cmp.Or(rule.Description, short)
	d.WithShortDescription(sarif.NewMultiformatMessageString(short))
	d.WithFullDescription(sarif.NewMultiformatMessageString(full))
	if rule.Remediation != "" {
		md := "**Remediation:** " + rule.Remediation
		if rule.HelpURI != "" {
			md += "\n\nSee [" + strings.TrimSpace(rule.ID+" "+rule.Name) + "](" + rule.HelpURI + ")."
		}
		d.WithTextHelp(rule.Remediation).WithMarkdownHelp(md)
	} else {
		d.WithTextHelp(full)
	}
	if rule.HelpURI != "" {
		d.WithHelpURI(rule.HelpURI)
	}
	if rule.Severity != SeverityNone {
		d.WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(rule.Severity)))
	}
	props := sarif.Properties{}
	if len(rule.Tags) > 0 {
		props["tags"] = slices.Clone(rule.Tags)
	}
	if ss := sarifSecuritySeverity(rule); ss != "" {
		props["security-severity"] = ss
	}
	if len(props) > 0 {
		d.WithProperties(props)
	}
	return d
}

// sarifSecuritySeverity is the rule's METADATA value, or one derived from its
// default severity when METADATA has none.
func sarifSecuritySeverity(rule Rule) string {
	if rule.SecuritySeverity != "" {
		return rule.SecuritySeverity
	}
	switch rule.Severity {
	case SeverityError:
		return "8.0"
	case SeverityWarning:
		return "5.0"
	case SeverityNote:
		return "2.0"
	}
	return ""
}

// sarifLevel maps a severity to a SARIF level; the names are the same.
func sarifLevel(s Severity) string {
	switch s {
	case SeverityError, SeverityWarning, SeverityNote:
		return s.String()
	}
	return "none"
}

func sarifResult(m *Migration, f Finding, uri string, artifactIndex, ruleIndex int) *sarif.Result {
	text := sarifSentence(f.Message)
	if f.Remediation != "" {
		text += " Remediation: " + sarifSentence(f.Remediation)
	}
	res := sarif.NewRuleResult(f.RuleID).
		WithRuleIndex(ruleIndex).
		WithLevel(sarifLevel(f.Severity)).
		WithMessage(sarif.NewTextMessage(text)).
		WithLocations([]*sarif.Location{
			sarif.NewLocationWithPhysicalLocation(sarifPhysical(uri, artifactIndex, f.Line)).
				WithLogicalLocations(sarifLogical(m, f.Resource)),
		}).
		WithPartialFingerPrints(map[string]any{sarifFingerprintKey: sarifFingerprint(m, f)})
	props := sarif.Properties{}
	if len(f.Path) > 0 {
		props["snapshotPointer"] = sarifJSONPointer(f.Path)
	}
	if f.Undecided {
		props["undecided"] = true
	}
	if len(props) > 0 {
		res.Properties = props
	}
	return res
}

func sarifPhysical(uri string, artifactIndex, line int) *sarif.PhysicalLocation {
	if line < 1 {
		line = 1
	}
	return sarif.NewPhysicalLocation().
		WithArtifactLocation(sarif.NewSimpleArtifactLocation(uri).WithIndex(artifactIndex)).
		WithRegion(sarif.NewRegion().WithStartLine(line))
}

// sarifLogical names the cloud objects a result is about. The first is the
// finding's own resource; then come the group, the destination and the
// source instance (each once, with its role). Fully qualified names are
// "<region>/<kind>/<id>".
func sarifLogical(m *Migration, subject Resource) []*sarif.LogicalLocation {
	type entry struct{ kind, id, name, role string }
	entries := []entry{
		{"group", m.GroupID, m.GroupName, "group"},
		{"instance", m.Destination, "", "destination"},
		{"instance", m.Source, "", "source"},
	}
	first := -1
	for i, e := range entries {
		if e.kind == subject.Kind && e.id != "" && e.id == subject.ID {
			first = i
		}
	}
	if first >= 0 {
		e := entries[first]
		e.name = cmp.Or(subject.Name, e.name)
		entries = append([]entry{e}, slices.Delete(entries, first, first+1)...)
	} else if subject.Kind != "" && (subject.ID != "" || subject.Name != "") {
		entries = append([]entry{{subject.Kind, subject.ID, subject.Name, ""}}, entries...)
	}
	var out []*sarif.LogicalLocation
	seen := map[string]bool{}
	for _, e := range entries {
		if e.id == "" && e.name == "" {
			continue
		}
		fqn := m.RegionID + "/" + e.kind + "/" + cmp.Or(e.id, e.name)
		if seen[fqn] {
			continue
		}
		seen[fqn] = true
		l := sarif.NewLogicalLocation().
			WithName(cmp.Or(e.name, e.id)).
			WithFullyQualifiedName(fqn).
			WithKind("resource")
		if e.role != "" {
			l.Properties = sarif.Properties{"role": e.role}
		}
		out = append(out, l)
	}
	return out
}

// sarifFingerprint identifies a finding across runs: Finding.Fingerprint
// when the engine set it, else a sha256 over what makes the problem the same
// problem (rule, group, destination, resource, key), never over where the
// input file lives or which line the field is on.
func sarifFingerprint(m *Migration, f Finding) string {
	if f.Fingerprint != "" {
		return f.Fingerprint
	}
	h := sha256.New()
	for _, part := range []string{f.RuleID, m.GroupID, m.Destination, f.Resource.Kind, f.Resource.ID, f.Key} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sarifURI makes an input path into an artifact URI: relative to workDir
// with forward slashes, "stdin" for standard input, a file:// URI when the
// input lies outside workDir.
func sarifURI(workDir, input string) string {
	if input == "-" {
		return sarifStdinURI
	}
	p := input
	if workDir != "" {
		abs := p
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(workDir, abs)
		}
		if rel, err := filepath.Rel(workDir, abs); err == nil {
			p = rel
		}
	}
	p = filepath.ToSlash(filepath.Clean(p))
	if p == ".." || strings.HasPrefix(p, "../") || strings.HasPrefix(p, "/") {
		abs := input
		if !filepath.IsAbs(abs) && workDir != "" {
			abs = filepath.Join(workDir, abs)
		}
		return "file://" + sarifEscapePath(filepath.ToSlash(filepath.Clean(abs)))
	}
	return sarifEscapePath(p)
}

// sarifEscapePath percent-encodes what may not appear in a URI path.
func sarifEscapePath(p string) string {
	var b strings.Builder
	for _, c := range []byte(p) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~/!$&'()*+,;=:@", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func sarifAutomationID(ms []Migration) string {
	pairs := make([]string, 0, len(ms))
	for _, m := range ms {
		pairs = append(pairs, m.GroupID+"->"+m.Destination)
	}
	slices.Sort(pairs)
	pairs = slices.Compact(pairs)
	switch len(pairs) {
	case 0:
		return sarifDefaultTool + "/"
	case 1:
		return sarifDefaultTool + "/" + pairs[0] + "/"
	}
	sum := sha256.Sum256([]byte(strings.Join(pairs, "\n")))
	return sarifDefaultTool + "/set-" + hex.EncodeToString(sum[:])[:12] + "/"
}

func sarifAutomationDescription(ms []Migration) string {
	ids := make([]string, len(ms))
	for i := range ms {
		ids[i] = ms[i].ID()
	}
	if len(ids) == 0 {
		return "Migration preflight of no API group."
	}
	return "Migration preflight of " + strings.Join(ids, ", ") + "."
}

// sarifJSONPointer renders a snapshot path as an RFC 6901 JSON Pointer.
func sarifJSONPointer(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(p))
	}
	return b.String()
}

// sarifSentence trims s and ends it with a full stop unless it already ends a
// sentence, so that the first sentence of a message stands alone.
func sarifSentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

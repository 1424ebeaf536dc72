package report

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/owenrumney/go-sarif/v2/sarif"
)

func init() {
	register(Format{
		Name:        "sarif",
		Description: "SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps)",
		Locates:     true,
		New:         func(o Options) Reporter { return sarifReporter{opts: o} },
	})
}

// SARIF output, one run per invocation, shaped for GitHub code scanning
// (which reads a subset of SARIF and keys alerts on a few fields). Decisions
// a reader of the file may want to know:
//
//   - Rule descriptors (tool.driver.rules) come from Result.Rules, that is from
//     the rules' METADATA; nothing here restates rule text. A finding or rule
//     error naming a rule absent from Result.Rules gets a minimal descriptor
//     (its ID and name standing in for descriptions and help, which GitHub
//     requires) so that ruleIndex stays valid.
//   - fullDescription is the rule's description when it fits GitHub's 1,024
//     characters, else its first sentences that do; help.markdown (and
//     help.text) always carry the whole description, the remediation and the
//     help link.
//   - properties: "tags" from METADATA; "problem.severity" on every rule
//     (error, warning, or recommendation for note); "precision" on every
//     rule (METADATA custom.precision, default high); "security-severity"
//     only on rules tagged "security", GitHub's mark of a security alert:
//     METADATA custom.security-severity, else error 8.0, warning 5.0, note
//     2.0. A readiness check (capacity, expiry, DNS drain) is not a security
//     alert, so it has none.
//   - Locations are repository-relative: artifactLocation.uri is the input's
//     path relative to Options.SourceRoot (default Result.WorkDir) with
//     uriBaseId "%SRCROOT%", and run.originalUriBaseIds gives "%SRCROOT%" as
//     the file:// URI of that directory. An input outside it is an absolute
//     file:// URI without a base; a snapshot read from standard input ("-")
//     the relative URI "stdin", described as standard input.
//   - message.text is the finding's message as its first sentence, which
//     stands alone as the alert title, then "Remediation: " and the
//     finding's remediation.
//   - locations[0].logicalLocations (kind "resource", the nearest of the
//     kinds SARIF lists for a cloud object) start with what the finding is
//     about, then the group and the destination and source instances, each
//     with properties.role; fullyQualifiedName is "<region>/<kind>/<id>",
//     e.g. "cn-hangzhou/group/<GroupId>". A finding on a Terraform plan has
//     one logical location: the resource address
//     (module.api.alicloud_api_gateway_group.orders), role "terraform".
//   - partialFingerprints: "apigwPreflight/v1" is the logical identity, the
//     engine's Finding.Fingerprint when set, otherwise sha256 over rule ID,
//     group ID, destination, resource kind and ID and finding key; it does
//     not depend on the input's path or line. "primaryLocationLineHash",
//     the only key GitHub uses (the upload action computes one from the
//     line's text when it is missing, which merges two findings on one
//     line), is the first 16 hex digits of sha256 over that identity and the
//     repository-relative URI, then ":" and the occurrence (1, or 2, 3...
//     for results that share both): unique per result, the same from any
//     working directory, and unchanged when other inputs join the run.
//   - automationDetails is left out unless Options.SARIFCategory is set,
//     when its id is the category with a trailing "/": a category derived
//     from the inputs would change whenever one is added and leave the old
//     alerts open, and a fixed id would override the upload action's own
//     category input.
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
//   - A waived finding keeps its level and gets one suppression: kind
//     "external", status "accepted", the waiver's reason as justification,
//     properties owner, ticket, expires and waiverId, a GUID derived from
//     the finding and the waiver, and the location of the waiver in its
//     file, which is one of the run's artifacts. GitHub code scanning shows
//     such a result as dismissed. The findings about waivers (AGP002,
//     AGP003, AGP004) point at the waiver's line in its file.
//   - No timestamps: the same Result and Options give the same bytes.
type sarifReporter struct{ opts Options }

const (
	sarifSchemaURI      = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifFingerprintKey = "apigwPreflight/v1"
	sarifLineHashKey    = "primaryLocationLineHash"
	sarifSrcRoot        = "%SRCROOT%"
	sarifDefaultTool    = "apigw-preflight"
	// sarifMaxFullDescription is GitHub's limit on fullDescription.text.
	sarifMaxFullDescription = 1024
)

// Report writes the log with its results one at a time, so a log of many
// migrations is never held whole: the log is built and encoded without its
// results (the artifacts they point at come before them), cut open at the
// run's "results" key (indentation tells the level apart; a newline inside
// a JSON string is always escaped), and the results are built again and
// each encoded in its place at the depth it would have had. The bytes are
// those of encoding the whole log at once.
func (s sarifReporter) Report(w io.Writer, r *Result) error {
	log, err := buildSARIF(r, s.opts, func(*sarif.Result) error { return nil })
	if err != nil {
		return err
	}
	log.Runs[0].Results = []*sarif.Result{}
	head, err := sarifEncode(log, "")
	if err != nil {
		return err
	}
	const key = "\n      \"results\": []"
	cut := bytes.Index(head, []byte(key))
	if cut < 0 {
		return fmt.Errorf("write sarif: no results array in the log")
	}
	cut += len(key) - 1 // just before the array's "]"
	if _, err := w.Write(head[:cut]); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	n := 0
	_, err = buildSARIF(r, s.opts, func(res *sarif.Result) error {
		item, err := sarifEncode(res, "        ")
		if err != nil {
			return err
		}
		sep := ",\n        "
		if n == 0 {
			sep = "\n        "
		}
		n++
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		_, err = w.Write(item[:len(item)-1]) // the encoder's newline
		return err
	})
	if err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	rest := head[cut:]
	if n > 0 {
		rest = append([]byte("\n      "), rest...)
	}
	if _, err := w.Write(rest); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	return nil
}

// sarifEncode encodes v with two-space indentation, each line after the
// first starting with prefix, and a final newline.
func sarifEncode(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false) // keep "->" in automation IDs readable
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("write sarif: %w", err)
	}
	// go-sarif writes a toolComponentReference's unset guid as null, which
	// the schema refuses; it is the only field written so.
	return sarifNullGUID.ReplaceAll(buf.Bytes(), nil), nil
}

var sarifNullGUID = regexp.MustCompile(`,\n\s*"guid": null`)

// buildSARIF turns a Result into a SARIF log, handing each result to emit
// in order instead of keeping it in the log (nil emit: kept in the run's
// results). It reads r and never changes it.
func buildSARIF(r *Result, opts Options, emit func(*sarif.Result) error) (*sarif.Report, error) {
	log, err := sarif.New(sarif.Version210, false)
	if err != nil {
		return nil, fmt.Errorf("sarif: %w", err)
	}
	log.Schema = sarifSchemaURI

	run := sarif.NewRun(*sarif.NewTool(sarifDriver(r.Tool)))
	rules := newSARIFRules(r)
	run.Tool.Driver.Rules = rules.descriptors
	run.Tool.Extensions = rules.extensions

	artifacts := map[string]int{} // uri -> index in run.Artifacts
	inRoot := false
	artifactFor := func(m *Migration) sarifArtifact {
		input := m.Input
		a := sarifArtifactFor(r.WorkDir, opts.SourceRoot, input)
		if i, ok := artifacts[a.uri]; ok {
			a.index = i
			return a
		}
		art := &sarif.Artifact{Length: -1} // -1: length unknown (the SARIF default)
		art.WithLocation(a.location()).WithRole("analysisTarget")
		if input == "-" {
			art.WithDescriptionText("Snapshot read from standard input.")
		}
		run.Artifacts = append(run.Artifacts, art)
		a.index = len(run.Artifacts) - 1
		artifacts[a.uri] = a.index
		inRoot = inRoot || a.base != ""
		return a
	}
	lineHashes := map[string]int{} // occurrences of each line hash

	inv := sarif.NewInvocation().
		WithExecutionSuccess(r.Verdict() != VerdictError).
		WithExitCode(r.ExitCode)

	for i := range r.Migrations {
		m := &r.Migrations[i]
		art := artifactFor(m)
		findings := slices.Clone(m.Findings)
		SortFindings(findings)
		for _, f := range findings {
			res := sarifResult(m, f, art, rules.index(f.RuleID))
			if f.Waiver != nil {
				// The suppression points at the waiver in its file, which
				// joins the run's artifacts.
				use, _ := r.WaiverUse(f.Waiver.ID)
				wm := &Migration{Input: use.File, Kind: KindWaivers}
				res.Suppressions[0].Location = sarif.NewLocationWithPhysicalLocation(sarifPhysical(artifactFor(wm), use.Line))
			}
			if rules.inExtension(f.RuleID) {
				// ruleIndex would point into tool.driver.rules.
				res.Rule, res.RuleIndex = rules.reference(f.RuleID), nil
			}
			hash := sarifLineHash(sarifFingerprint(m, f), art.uri)
			lineHashes[hash]++
			res.PartialFingerprints[sarifLineHashKey] = hash + ":" + strconv.Itoa(lineHashes[hash])
			if emit == nil {
				run.Results = append(run.Results, res)
			} else if err := emit(res); err != nil {
				return nil, err
			}
		}
		for _, e := range m.Errors {
			loc := sarif.NewLocationWithPhysicalLocation(sarifPhysical(art, 0)).
				WithLogicalLocations(sarifLogical(m, Resource{Kind: "group", ID: m.GroupID, Name: m.GroupName}))
			n := sarif.NewNotification().
				WithLevel("error").
				WithTextMessage(sarifSentence(fmt.Sprintf("Rule %s could not be evaluated for %s: %s", e.RuleID, m.ID(), e.Message))).
				WithAssociatedRule(rules.reference(e.RuleID)).
				WithLocations([]*sarif.Location{loc})
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
		}
	}
	for _, rec := range r.Settings {
		conf := &sarif.ReportingConfiguration{Enabled: &rec.Enabled}
		if rec.Severity != SeverityNone {
			conf.Level = rec.Severity.String()
		}
		if len(rec.Params) > 0 {
			bag := sarif.NewPropertyBag()
			keys := slices.Sorted(maps.Keys(rec.Params))
			for _, k := range keys {
				bag.Add(k, rec.Params[k])
			}
			conf.Parameters = bag
		}
		inv.RuleConfigurationOverrides = append(inv.RuleConfigurationOverrides,
			&sarif.ConfigurationOverride{Descriptor: rules.reference(rec.RuleID), Configuration: conf})
	}
	run.Invocations = []*sarif.Invocation{inv}
	if inRoot {
		run.OriginalUriBaseIDs = map[string]*sarif.ArtifactLocation{
			sarifSrcRoot: sarif.NewSimpleArtifactLocation(sarifDirURI(cmp.Or(opts.SourceRoot, r.WorkDir))),
		}
	}
	if id := sarifAutomationID(opts.SARIFCategory); id != "" {
		run.AutomationDetails = sarif.NewRunAutomationDetails().WithID(id)
	}
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

// sarifRules holds the rule descriptors of a run and the index of each:
// the built-in and tool rules in tool.driver.rules, each organisation
// pack's rules in its own tool.extensions[] component (name, version = the
// bundle revision, rules), which its results point at with
// rule.toolComponent, so that a code-scanning alert names who owns the
// rule. A rule turned off by a setting has no descriptor; a configuration
// override names it by ID alone.
type sarifRules struct {
	descriptors []*sarif.ReportingDescriptor
	extensions  []*sarif.ToolComponent
	byID        map[string]int
	// ext is the extension index of an organisation rule.
	ext map[string]int
}

func newSARIFRules(r *Result) *sarifRules {
	s := &sarifRules{descriptors: []*sarif.ReportingDescriptor{}, byID: map[string]int{}, ext: map[string]int{}}
	packIndex := map[string]int{}
	for _, p := range r.Packs {
		if _, dup := packIndex[p.Name]; dup {
			continue
		}
		c := sarif.NewDriver(p.Name)
		if p.Version != "" {
			c.WithVersion(p.Version)
		}
		packIndex[p.Name] = len(s.extensions)
		s.extensions = append(s.extensions, c)
	}
	for _, rule := range r.Rules {
		if _, dup := s.byID[rule.ID]; dup {
			continue
		}
		if rule.Pack != "" {
			i, ok := packIndex[rule.Pack]
			if !ok {
				i = len(s.extensions)
				packIndex[rule.Pack] = i
				s.extensions = append(s.extensions, sarif.NewDriver(rule.Pack))
			}
			c := s.extensions[i]
			s.byID[rule.ID], s.ext[rule.ID] = len(c.Rules), i
			c.Rules = append(c.Rules, sarifRuleDescriptor(rule))
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

// inExtension reports whether the rule is an organisation pack's.
func (s *sarifRules) inExtension(id string) bool {
	_, ok := s.ext[id]
	return ok
}

// index is the rule's index in its component's rules.
func (s *sarifRules) index(id string) int { return s.byID[id] }

// reference points at a rule's descriptor: for a driver rule its ID and
// index, for an organisation rule also its tool extension; for a rule
// without a descriptor (turned off) its ID alone.
func (s *sarifRules) reference(id string) *sarif.ReportingDescriptorReference {
	ref := sarif.NewReportingDescriptorReference().WithId(id)
	i, ok := s.byID[id]
	if !ok {
		return ref
	}
	ref.WithIndex(i)
	if e, ok := s.ext[id]; ok {
		idx := uint(e)
		name := s.extensions[e].Name
		ref.ToolComponent = &sarif.ToolComponentReference{Name: &name, Index: &idx}
	}
	return ref
}

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
	d.WithFullDescription(sarif.NewMultiformatMessageString(sarifShorten(full, sarifMaxFullDescription)))
	text, md := full, full
	if rule.Remediation != "" {
		text += "\n\nRemediation: " + rule.Remediation
		md += "\n\n**Remediation:** " + rule.Remediation
	}
	if rule.HelpURI != "" {
		md += "\n\nSee [" + strings.TrimSpace(rule.ID+" "+rule.Name) + "](" + rule.HelpURI + ")."
	}
	d.WithTextHelp(text).WithMarkdownHelp(md)
	if rule.HelpURI != "" {
		d.WithHelpURI(rule.HelpURI)
	}
	if rule.Severity != SeverityNone {
		d.WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(rule.Severity)))
	}
	props := sarif.Properties{
		"problem.severity": sarifProblemSeverity(rule.Severity),
		"precision":        cmp.Or(rule.Precision, "high"),
	}
	if len(rule.Tags) > 0 {
		props["tags"] = slices.Clone(rule.Tags)
	}
	if ss := sarifSecuritySeverity(rule); ss != "" {
		props["security-severity"] = ss
	}
	d.WithProperties(props)
	return d
}

// sarifProblemSeverity is GitHub's problem.severity for a default severity:
// error, warning, or recommendation for note (and for a rule without one).
func sarifProblemSeverity(s Severity) string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return "recommendation"
}

// sarifSecuritySeverity is, for a rule tagged "security" only, its METADATA
// value, or one derived from its default severity when METADATA has none.
// Other rules have none: GitHub lists a rule with a security-severity as a
// security alert.
func sarifSecuritySeverity(rule Rule) string {
	if !slices.Contains(rule.Tags, "security") {
		return ""
	}
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

func sarifResult(m *Migration, f Finding, art sarifArtifact, ruleIndex int) *sarif.Result {
	text := sarifSentence(f.Message)
	if f.Remediation != "" {
		text += " Remediation: " + sarifSentence(f.Remediation)
	}
	res := sarif.NewRuleResult(f.RuleID).
		WithRuleIndex(ruleIndex).
		WithLevel(sarifLevel(f.Severity)).
		WithMessage(sarif.NewTextMessage(text)).
		WithLocations([]*sarif.Location{
			sarif.NewLocationWithPhysicalLocation(sarifPhysical(art, f.Line)).
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
	if w := f.Waiver; w != nil {
		// An accepted risk: GitHub code scanning shows it as dismissed.
		sp := sarif.Properties{"owner": w.Owner, "expires": w.Expires, "waiverId": w.ID}
		if w.Ticket != "" {
			sp["ticket"] = w.Ticket
		}
		sup := sarif.NewSuppression("external").WithStatus("accepted").WithJustifcation(w.Reason).
			WithGuid(sarifGUID(sarifFingerprint(m, f) + "\x00" + w.ID))
		sup.Properties = sp
		res.Suppressions = []*sarif.Suppression{sup}
	}
	if len(props) > 0 {
		res.Properties = props
	}
	return res
}

// sarifGUID is a name-based GUID (the layout of an RFC 4122 version 5
// UUID, from SHA-256): the same name gives the same GUID in every run.
func sarifGUID(name string) string {
	sum := sha256.Sum256([]byte(name))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func sarifPhysical(art sarifArtifact, line int) *sarif.PhysicalLocation {
	if line < 1 {
		line = 1
	}
	return sarif.NewPhysicalLocation().
		WithArtifactLocation(art.location().WithIndex(art.index)).
		WithRegion(sarif.NewRegion().WithStartLine(line))
}

// sarifArtifact is an input file as SARIF names it.
type sarifArtifact struct {
	uri   string
	base  string // sarifSrcRoot, or "" for an absolute URI or stdin
	index int
}

func (a sarifArtifact) location() *sarif.ArtifactLocation {
	l := sarif.NewSimpleArtifactLocation(a.uri)
	if a.base != "" {
		l.WithUriBaseId(a.base)
	}
	return l
}

// sarifArtifactFor places an input (InputPath): relative to the source root
// with base %SRCROOT%, an absolute file:// URI outside it, "stdin" for
// standard input.
func sarifArtifactFor(workDir, sourceRoot, input string) sarifArtifact {
	p, inRoot := InputPath(workDir, sourceRoot, input)
	switch {
	case input == "-":
		return sarifArtifact{uri: StdinName}
	case inRoot:
		return sarifArtifact{uri: sarifEscapePath(p), base: sarifSrcRoot}
	}
	return sarifArtifact{uri: sarifFileURI(p)}
}

// sarifFileURI is the file:// URI of an absolute slash-separated path.
func sarifFileURI(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive path: file:///C:/...
	}
	return "file://" + sarifEscapePath(p)
}

// sarifDirURI is the file:// URI of a directory, ending with "/" as SARIF
// requires of a base URI.
func sarifDirURI(dir string) string {
	u := sarifFileURI(filepath.ToSlash(filepath.Clean(dir)))
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

// sarifLineHash is the primaryLocationLineHash of a result without its
// occurrence: 16 hex digits of sha256 over the logical fingerprint and the
// repository-relative URI.
func sarifLineHash(fingerprint, uri string) string {
	sum := sha256.Sum256([]byte(sarifLineHashKey + "\x00" + fingerprint + "\x00" + uri))
	return hex.EncodeToString(sum[:8])
}

// sarifShorten returns s when it has at most max characters, else its
// longest run of whole sentences that fits with a closing " (...)", or a
// cut at a word when even the first sentence does not fit.
func sarifShorten(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	const more = " (...)"
	runes := []rune(s)
	limit := max - utf8.RuneCountInString(more)
	cut := string(runes[:limit])
	if i := strings.LastIndex(cut, ". "); i > 0 {
		return cut[:i+1] + more
	}
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		return cut[:i] + more
	}
	return cut + more
}

// sarifLogical names the cloud objects a result is about. The first is the
// finding's own resource; then come the group, the destination and the
// source instance (each once, with its role). Fully qualified names are
// "<region>/<kind>/<id>".
func sarifLogical(m *Migration, subject Resource) []*sarif.LogicalLocation {
	if m.IsWaivers() {
		if subject.ID == "" {
			return nil
		}
		l := sarif.NewLogicalLocation().WithName(subject.ID).WithFullyQualifiedName("waiver/" + subject.ID).WithKind("object")
		l.Properties = sarif.Properties{"role": "waiver"}
		return []*sarif.LogicalLocation{l}
	}
	if m.IsPlan() {
		addr := cmp.Or(subject.ID, subject.Name)
		if addr == "" {
			return nil
		}
		l := sarif.NewLogicalLocation().
			WithName(addr).
			WithFullyQualifiedName(addr).
			WithKind("resource")
		l.Properties = sarif.Properties{"role": "terraform"}
		return []*sarif.LogicalLocation{l}
	}
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

// sarifAutomationID is automationDetails.id for a category: the category
// ending with "/" (GitHub reads the part before the last "/" as the
// category), or "" for none.
func sarifAutomationID(category string) string {
	category = strings.TrimSpace(category)
	if category == "" || strings.HasSuffix(category, "/") {
		return category
	}
	return category + "/"
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

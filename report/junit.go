package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func init() {
	register(Format{
		Name:        "junit",
		Description: "JUnit XML (Jenkins xUnit's junit-10.xsd): one test suite per migration, one test case per rule or finding",
		New:         func(o Options) Reporter { return junitReporter{opts: o} },
	})
}

// JUnit XML output, for CI systems that show test reports (GitLab, Jenkins's
// junit and xUnit steps, Azure DevOps, GitHub test-report actions). The
// document is valid against the Jenkins xUnit plugin's junit-10.xsd (a copy
// is in testdata/), which Jenkins xUnit enforces and the others accept:
//
//   - one <testsuite> per migration, named "<GroupId> -> <Destination>" and
//     with classname "apigw-preflight.<GroupId>.<Destination>" (each part
//     with every character outside [A-Za-z0-9_-] replaced by "_"); a plan
//     is "terraform plan <path>", classname "apigw-preflight.terraform.<path>".
//     Names come from IDs only, never from the input order or a group's
//     (renamable) name. When two inputs describe the same move, both suites
//     add the input's repository-relative path to their name and classname.
//     The suite's file attribute is that path; properties name the group,
//     region, instances, input and gate; time is how long the evaluation
//     took (the rules run in one query, so test cases have no time of their
//     own and leave the attribute out);
//   - test cases, in rule ID order. A rule without findings is one passing
//     case "<ID> <name>" ("MIG004 egress-allowlist"). A rule with findings
//     has one case per finding, "<ID> <name> [<label>]", the label being
//     the finding's key, else its resource ("instance <id>"), else nothing;
//     a label shared by two findings of one rule gets " #<hash of the
//     message>". A case's name thus depends on its own finding only: a
//     second finding of a rule adds a case and renames none;
//   - a finding that fails the gate (Result.FindingFails) is a <failure>:
//     type its severity, or "undecided" when only FailOnUndecided makes it
//     fail; message the finding's message; text the finding with its
//     resource and remediation;
//   - a finding below the gate is <skipped type="below-gate">, with the
//     severity and message as message and the same text: CI test views show
//     skipped cases with their text (GitLab drops the output of passing
//     cases, and Jenkins counts them apart), so a warning or note stays in
//     sight without failing the build. An undecided finding is labelled
//     "[<severity>, undecided]";
//   - a rule that could not be evaluated (Migration.ErrorFor) is one case
//     "<ID> <name>" with an <error>; whatever the rule found goes to its
//     <system-out>, since its outcome is unknown;
//   - <testsuites> has tests, failures, errors and time (the schema has no
//     skipped there); every <testsuite> has tests, failures, errors and
//     skipped;
//   - all text is stripped of ANSI escape sequences and of characters XML 1.0
//     forbids before it is written.
type junitReporter struct{ opts Options }

type junitTestSuites struct {
	XMLName  xml.Name         `xml:"testsuites"`
	Name     string           `xml:"name,attr"`
	Tests    int              `xml:"tests,attr"`
	Failures int              `xml:"failures,attr"`
	Errors   int              `xml:"errors,attr"`
	Time     string           `xml:"time,attr"`
	Suites   []junitTestSuite `xml:"testsuite"`
}

type junitTestSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	File       string          `xml:"file,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitTestCase `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitTestCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	SystemOut *junitOutput  `xml:"system-out,omitempty"`
}

// Element text is written as CDATA so that its lines stay lines (as
// character data encoding/xml would escape every newline).
type junitProblem struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

type junitOutput struct {
	Text string `xml:",cdata"`
}

// Report writes the document a suite at a time: the totals of the
// <testsuites> element come from a first pass over the suites, which are
// built again one by one as they are written, so a report of many
// migrations is never held whole. The bytes are those of encoding the
// whole document at once.
func (j junitReporter) Report(w io.Writer, r *Result) error {
	head := junitTestSuites{Name: junitText(cmp.Or(r.Tool.Name, sarifDefaultTool))}
	var total time.Duration
	for s, m := range junitSuites(r, j.opts) {
		head.Tests += s.Tests
		head.Failures += s.Failures
		head.Errors += s.Errors
		total += m.Elapsed
	}
	head.Time = junitSeconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	start := xml.StartElement{Name: xml.Name{Local: "testsuites"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "name"}, Value: head.Name},
		{Name: xml.Name{Local: "tests"}, Value: strconv.Itoa(head.Tests)},
		{Name: xml.Name{Local: "failures"}, Value: strconv.Itoa(head.Failures)},
		{Name: xml.Name{Local: "errors"}, Value: strconv.Itoa(head.Errors)},
		{Name: xml.Name{Local: "time"}, Value: head.Time},
	}}
	if err := enc.EncodeToken(start); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	suite := xml.StartElement{Name: xml.Name{Local: "testsuite"}}
	for s := range junitSuites(r, j.opts) {
		if err := enc.EncodeElement(s, suite); err != nil {
			return fmt.Errorf("write junit: %w", err)
		}
	}
	if err := enc.EncodeToken(start.End()); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	return nil
}

// junitSeconds renders a duration as the schema's SUREFIRE_TIME.
func junitSeconds(d time.Duration) string {
	return strconv.FormatFloat(max(d, 0).Seconds(), 'f', 3, 64)
}

// junitSuiteID is a migration's suite name and classname before any
// disambiguation, and its repository-relative input path.
func junitSuiteID(r *Result, opts Options, m *Migration) (name, class, path string) {
	path, _ = InputPath(r.WorkDir, opts.SourceRoot, m.Input)
	if m.IsPlan() {
		return "terraform plan " + path, "apigw-preflight.terraform." + junitClassPart(path), path
	}
	if m.IsWaivers() {
		return "waivers " + path, "apigw-preflight.waivers." + junitClassPart(path), path
	}
	return m.GroupID + " -> " + m.Destination,
		"apigw-preflight." + junitClassPart(m.GroupID) + "." + junitClassPart(m.Destination), path
}

// buildJUnit turns a Result into the whole JUnit document, the one
// Report writes a suite at a time. It reads r and never changes it.
func buildJUnit(r *Result, opts Options) junitTestSuites {
	doc := junitTestSuites{Name: junitText(cmp.Or(r.Tool.Name, sarifDefaultTool))}
	var total time.Duration
	for s, m := range junitSuites(r, opts) {
		total += m.Elapsed
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Suites = append(doc.Suites, s)
	}
	doc.Time = junitSeconds(total)
	return doc
}

// junitSuites yields the suite of each migration of r, in order, with the
// migration. It reads r and never changes it.
func junitSuites(r *Result, opts Options) iter.Seq2[junitTestSuite, *Migration] {
	return func(yield func(junitTestSuite, *Migration) bool) {
		count := map[string]int{}
		for i := range r.Migrations {
			name, _, _ := junitSuiteID(r, opts, &r.Migrations[i])
			count[name]++
		}
		for i := range r.Migrations {
			m := &r.Migrations[i]
			name, class, path := junitSuiteID(r, opts, m)
			if count[name] > 1 && !m.IsPlan() && !m.IsWaivers() {
				// The same move from two inputs: tell them apart by the
				// input, which does not depend on the order of the inputs.
				name += " (" + path + ")"
				class += "." + junitClassPart(path)
			}
			if !yield(junitSuite(r, m, name, class, path), m) {
				return
			}
		}
	}
}

func junitSuite(r *Result, m *Migration, name, class, path string) junitTestSuite {
	s := junitTestSuite{Name: junitText(name), Time: junitSeconds(m.Elapsed)}
	if m.Input != "-" {
		s.File = junitText(path)
	}
	for _, p := range [][2]string{
		{"groupId", m.GroupID},
		{"groupName", m.GroupName},
		{"regionId", m.RegionID},
		{"sourceInstanceId", m.Source},
		{"destinationInstanceId", m.Destination},
		{"input", path},
		{"failOn", r.FailOn.String()},
		{"failOnUndecided", junitBool(r.FailOnUndecided)},
	} {
		if p[1] != "" {
			s.Properties = append(s.Properties, junitProperty{Name: p[0], Value: junitText(p[1])})
		}
	}

	for _, id := range junitRuleIDs(m) {
		base := junitCaseName(r, m, id)
		findings := m.FindingsFor(id)
		SortFindings(findings) // FindingsFor returns a fresh slice
		if e, ok := m.ErrorFor(id); ok {
			msg := "rule " + id + " could not be evaluated: " + e.Message
			tc := junitTestCase{Name: junitText(base), Classname: junitText(class),
				Error: &junitProblem{Message: junitText(msg), Type: "evaluation-error", Text: junitText(msg)}}
			if len(findings) > 0 {
				tc.SystemOut = &junitOutput{Text: junitText(junitFindingsText(findings))}
			}
			s.Errors++
			s.Cases = append(s.Cases, tc)
			continue
		}
		if len(findings) == 0 {
			s.Cases = append(s.Cases, junitTestCase{Name: junitText(base), Classname: junitText(class)})
			continue
		}
		for i, f := range findings {
			tc := junitTestCase{Name: junitText(junitFindingCaseName(base, findings, i)), Classname: junitText(class)}
			text := junitText(junitFindingsText([]Finding{f}))
			if w := f.Waiver; w != nil {
				tc.Skipped = &junitProblem{Message: junitText("waived: " + junitLabel(f) + " " + junitWaiverText(*w) + ": " + f.Message),
					Type: "waived", Text: text}
				s.Skipped++
			} else if r.FindingFails(f) {
				typ := f.Severity.String()
				if r.UndecidedFails(f) {
					typ = "undecided"
				}
				tc.Failure = &junitProblem{Message: junitText(f.Message), Type: typ, Text: text}
				s.Failures++
			} else {
				tc.Skipped = &junitProblem{Message: junitText(junitLabel(f) + " below the gate (--fail-on " + r.FailOn.String() + "): " + f.Message),
					Type: "below-gate", Text: text}
				s.Skipped++
			}
			s.Cases = append(s.Cases, tc)
		}
	}
	s.Tests = len(s.Cases)
	return s
}

// junitWaiverText describes the waiver that accepted a finding.
func junitWaiverText(w WaiverRef) string {
	s := "by waiver " + w.ID + " (owner " + w.Owner
	if w.Ticket != "" {
		s += ", ticket " + w.Ticket
	}
	return s + ", expires " + w.Expires + ", reason: " + w.Reason + ")"
}

// junitFindingCaseName names the case of findings[i]: the rule's case name
// and the finding's label in brackets; a label two findings share gets the
// first 8 hex digits of the SHA-256 of the message.
func junitFindingCaseName(base string, findings []Finding, i int) string {
	label := junitFindingLabel(findings[i])
	shared := false
	for j, g := range findings {
		if j != i && junitFindingLabel(g) == label {
			shared = true
		}
	}
	if shared {
		sum := sha256.Sum256([]byte(findings[i].Message))
		label = strings.TrimSpace(label + " #" + hex.EncodeToString(sum[:4]))
	}
	if label == "" {
		return base
	}
	return base + " [" + label + "]"
}

// junitFindingLabel tells apart the findings of one rule: the finding's
// key, else its resource, else "".
func junitFindingLabel(f Finding) string {
	switch {
	case f.Key != "":
		return f.Key
	case f.Resource.ID != "":
		return f.Resource.Kind + " " + f.Resource.ID
	}
	return ""
}

// junitLabel is "[severity]" or "[severity, undecided]".
func junitLabel(f Finding) string {
	label := f.Severity.String()
	if f.Undecided {
		label += ", undecided"
	}
	return "[" + label + "]"
}

// junitRuleIDs lists the rules to report for a migration, sorted: those
// evaluated, plus any a finding or error names, so nothing is dropped.
func junitRuleIDs(m *Migration) []string {
	ids := slices.Clone(m.Evaluated)
	for _, f := range m.Findings {
		ids = append(ids, f.RuleID)
	}
	for _, e := range m.Errors {
		ids = append(ids, e.RuleID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

func junitCaseName(r *Result, m *Migration, id string) string {
	name := ""
	if rule, ok := r.RuleByID(id); ok {
		name = rule.Name
	}
	if name == "" {
		for _, f := range m.Findings {
			if f.RuleID == id && f.RuleName != "" {
				name = f.RuleName
				break
			}
		}
	}
	return strings.TrimSpace(id + " " + name)
}

func junitFindingsText(fs []Finding) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s %s\n", junitLabel(f), f.Message)
		if res := f.Resource; res.Kind != "" {
			switch {
			case res.Name != "" && res.ID != "" && res.Name != res.ID:
				fmt.Fprintf(&b, "resource: %s %s (%s)\n", res.Kind, res.Name, res.ID)
			default:
				fmt.Fprintf(&b, "resource: %s %s\n", res.Kind, cmp.Or(res.ID, res.Name))
			}
		}
		if f.Remediation != "" {
			fmt.Fprintf(&b, "remediation: %s\n", f.Remediation)
		}
	}
	return b.String()
}

// junitBool is "true" or "" (a property left out).
func junitBool(b bool) string {
	if b {
		return "true"
	}
	return ""
}

var junitClassRE = regexp.MustCompile(`[^A-Za-z0-9_-]`)

func junitClassPart(s string) string {
	if s == "" {
		return "_"
	}
	return junitClassRE.ReplaceAllString(junitText(s), "_")
}

// junitANSIRE matches ANSI escape sequences: CSI (ESC [ or U+009B, then
// parameters and a final byte), OSC (ESC ] ... BEL or ESC \\), and the other
// escapes (ESC, intermediates, a final byte: ESC ( B, ESC c, ...).
var junitANSIRE = regexp.MustCompile(`(?:\x1b\[|\x{9b})[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]`)

// junitText removes ANSI escape sequences, then every character XML 1.0
// does not allow (C0 controls other than tab, newline and carriage return,
// surrogates, U+FFFE/U+FFFF) and the C1 controls it discourages. Invalid
// UTF-8 becomes U+FFFD.
func junitText(s string) string {
	s = junitANSIRE.ReplaceAllString(strings.ToValidUTF8(s, "\uFFFD"), "")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r >= 0x7f && r <= 0x9f, r == 0xFFFE, r == 0xFFFF:
			return -1
		}
		return r
	}, s)
}

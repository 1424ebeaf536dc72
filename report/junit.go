package report

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func init() {
	register(Format{
		Name:        "junit",
		Description: "JUnit XML: one test suite per migration, one test case per rule",
		Extension:   ".xml",
		New:         func(Options) Reporter { return junitReporter{} },
	})
}

// JUnit XML output, for CI systems that show test reports (GitLab, Jenkins,
// Azure DevOps, GitHub test-report actions):
//
//   - one <testsuite> per migration, named Migration.ID() ("group -> destination");
//   - one <testcase> per rule evaluated on it, in rule ID order, named
//     "<ID> <name>" ("MIG004 egress-allowlist"); passing rules are test cases
//     too. classname is "apigw-preflight.<GroupId>.<Destination>" with every
//     character outside [A-Za-z0-9_-] replaced by "_", so CI tools that split
//     classnames at dots see package "apigw-preflight.<GroupId>";
//   - a test case has one <failure> per finding that fails the gate
//     (Result.FindingFails: at or above Result.FailOn, or undecided under
//     FailOnUndecided); type is the finding's severity, or "undecided" when
//     only FailOnUndecided makes it fail; message is the finding's message,
//     text the finding with its remediation. A rule with several failing
//     findings gets a testcase each. Findings that do not fail the gate go
//     to <system-out>. An undecided finding is labelled "[<severity>,
//     undecided]" in the text;
//   - a rule that could not be evaluated (Migration.ErrorFor) is an <error>,
//     which takes the place of any failure;
//   - waived findings (not in the model yet) will become <skipped>: when a
//     Finding carries a waiver, junitWaived returns it, the finding no longer
//     counts towards failure, and a test case whose findings at or above the
//     threshold are all waived is <skipped message="waived: ..."> instead of
//     failed;
//   - times are "0.000": the model does not record evaluation time;
//   - all text is stripped of ANSI escape sequences and of characters XML 1.0
//     forbids before it is written.
type junitReporter struct{}

type junitTestSuites struct {
	XMLName  xml.Name         `xml:"testsuites"`
	Name     string           `xml:"name,attr"`
	Tests    int              `xml:"tests,attr"`
	Failures int              `xml:"failures,attr"`
	Errors   int              `xml:"errors,attr"`
	Skipped  int              `xml:"skipped,attr"`
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
	File      string        `xml:"file,attr,omitempty"`
	Time      string        `xml:"time,attr"`
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

const junitTime = "0.000"

func (junitReporter) Report(w io.Writer, r *Result) error {
	doc := buildJUnit(r)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
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

// buildJUnit turns a Result into the JUnit document. It reads r and never
// changes it.
func buildJUnit(r *Result) junitTestSuites {
	doc := junitTestSuites{Name: junitText(cmp.Or(r.Tool.Name, sarifDefaultTool)), Time: junitTime}
	seen := map[string]int{}
	for i := range r.Migrations {
		m := &r.Migrations[i]
		name := m.ID()
		class := "apigw-preflight." + junitClassPart(m.GroupID) + "." + junitClassPart(m.Destination)
		// Two inputs for the same move would give two identical suites:
		// number the repeats so every test stays uniquely named.
		seen[name]++
		if n := seen[name]; n > 1 {
			name += " #" + strconv.Itoa(n)
			class += "_" + strconv.Itoa(n)
		}
		s := junitSuite(r, m, name, class)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, s)
	}
	return doc
}

func junitSuite(r *Result, m *Migration, name, class string) junitTestSuite {
	s := junitTestSuite{Name: junitText(name), Time: junitTime}
	file := ""
	if m.Input != "-" {
		file, _ = InputPath(r.WorkDir, "", m.Input)
	}
	for _, p := range [][2]string{
		{"groupId", m.GroupID},
		{"groupName", m.GroupName},
		{"regionId", m.RegionID},
		{"sourceInstanceId", m.Source},
		{"destinationInstanceId", m.Destination},
		{"input", m.Input},
		{"failOn", r.FailOn.String()},
		{"failOnUndecided", junitBool(r.FailOnUndecided)},
	} {
		if p[1] != "" {
			s.Properties = append(s.Properties, junitProperty{Name: p[0], Value: junitText(p[1])})
		}
	}

	for _, id := range junitRuleIDs(m) {
		tc := junitTestCase{
			Name:      junitText(junitCaseName(r, m, id)),
			Classname: junitText(class),
			File:      junitText(file),
			Time:      junitTime,
		}
		findings := m.FindingsFor(id)
		SortFindings(findings) // FindingsFor returns a fresh slice
		var failing, waived, below []Finding
		for _, f := range findings {
			switch {
			case junitWaived(f) != "":
				waived = append(waived, f)
			case r.FindingFails(f):
				failing = append(failing, f)
			default:
				below = append(below, f)
			}
		}
		if e, ok := m.ErrorFor(id); ok {
			msg := "rule " + id + " could not be evaluated: " + e.Message
			tc.Error = &junitProblem{Message: junitText(msg), Type: "evaluation-error", Text: junitText(msg)}
			// The rule's outcome is unknown; whatever it found is context.
			below = slices.Concat(failing, below)
			s.Errors++
		} else if len(failing) > 0 {
			// One failing testcase per finding at or above the gate, so
			// failures match findings one to one. A rule with several
			// gets one testcase each, named after what each is about.
			for i, f := range failing {
				c := tc
				if len(failing) > 1 {
					c.Name = junitText(fmt.Sprintf("%s [%s]", junitCaseName(r, m, id), junitFindingLabel(f, i)))
				}
				typ := f.Severity.String()
				if r.UndecidedFails(f) {
					typ = "undecided"
				}
				c.Failure = &junitProblem{
					Message: junitText(f.Message),
					Type:    typ,
					Text:    junitText(junitFindingsText([]Finding{f})),
				}
				if i == 0 && len(below) > 0 {
					c.SystemOut = &junitOutput{Text: junitText(junitFindingsText(below))}
				}
				s.Failures++
				s.Cases = append(s.Cases, c)
			}
			continue
		} else if len(waived) > 0 {
			tc.Skipped = &junitProblem{Message: junitText("waived: " + junitWaived(waived[0]))}
			s.Skipped++
		}
		if len(below) > 0 {
			tc.SystemOut = &junitOutput{Text: junitText(junitFindingsText(below))}
		}
		s.Cases = append(s.Cases, tc)
	}
	s.Tests = len(s.Cases)
	return s
}

// junitFindingLabel tells apart several failing findings of one rule in
// testcase names: the finding's key, else its resource, else its position.
func junitFindingLabel(f Finding, i int) string {
	switch {
	case f.Key != "":
		return f.Key
	case f.Resource.ID != "":
		return f.Resource.Kind + " " + f.Resource.ID
	}
	return fmt.Sprintf("#%d", i+1)
}

// junitWaived returns why a finding is waived, or "" when it is not. The
// model has no waivers yet, so nothing is waived; when Finding gains one,
// this is the only place to change.
func junitWaived(Finding) string { return "" }

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
		label := f.Severity.String()
		if f.Undecided {
			label += ", undecided"
		}
		fmt.Fprintf(&b, "[%s] %s\n", label, f.Message)
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

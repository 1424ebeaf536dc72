package report

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func renderJUnit(t *testing.T, r *Result) []byte {
	t.Helper()
	f, err := Lookup("junit")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.New(Options{}).Report(&buf, r); err != nil {
		t.Fatalf("junit report: %v", err)
	}
	return buf.Bytes()
}

// junitDoc is the JUnit document as a consumer reads it back.
type junitDoc struct {
	XMLName  xml.Name        `xml:"testsuites"`
	Tests    int             `xml:"tests,attr"`
	Failures int             `xml:"failures,attr"`
	Errors   int             `xml:"errors,attr"`
	Skipped  int             `xml:"skipped,attr"`
	Time     string          `xml:"time,attr"`
	Suites   []junitDocSuite `xml:"testsuite"`
}

type junitDocSuite struct {
	Name     string         `xml:"name,attr"`
	Tests    int            `xml:"tests,attr"`
	Failures int            `xml:"failures,attr"`
	Errors   int            `xml:"errors,attr"`
	Skipped  int            `xml:"skipped,attr"`
	Time     string         `xml:"time,attr"`
	Cases    []junitDocCase `xml:"testcase"`
}

type junitDocCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	Failure   []struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	} `xml:"failure"`
	Error []struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	} `xml:"error"`
	Skipped   []struct{} `xml:"skipped"`
	SystemOut string     `xml:"system-out"`
}

// junitCase returns the test case of a suite with the given name.
func junitCase(t *testing.T, s junitDocSuite, name string) junitDocCase {
	t.Helper()
	for _, c := range s.Cases {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("suite %q has no test case %q", s.Name, name)
	return junitDocCase{}
}

func decodeJUnit(t *testing.T, b []byte) junitDoc {
	t.Helper()
	var doc junitDoc
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("junit output is not well-formed XML: %v\n%s", err, b)
	}
	return doc
}

func TestJUnitGolden(t *testing.T) {
	compareGolden(t, "golden/report.junit.xml", renderJUnit(t, fixtureResult()))
}

func TestJUnitDeterministic(t *testing.T) {
	if a, b := renderJUnit(t, fixtureResult()), renderJUnit(t, fixtureResult()); !bytes.Equal(a, b) {
		t.Fatal("two renders of the same result differ")
	}
	r := fixtureResult()
	slices.Reverse(r.Migrations[0].Findings)
	slices.Reverse(r.Migrations[0].Evaluated)
	if !bytes.Equal(renderJUnit(t, r), renderJUnit(t, fixtureResult())) {
		t.Fatal("finding or rule order changes the output")
	}
}

func TestJUnitDoesNotModifyResult(t *testing.T) {
	r := fixtureResult()
	slices.Reverse(r.Migrations[0].Findings)
	before := fixtureResult()
	slices.Reverse(before.Migrations[0].Findings)
	renderJUnit(t, r)
	if !reflect.DeepEqual(r, before) {
		t.Fatal("the JUnit reporter modified its input")
	}
}

func TestJUnitStructure(t *testing.T) {
	r := fixtureResult()
	doc := decodeJUnit(t, renderJUnit(t, r))
	if len(doc.Suites) != 2 {
		t.Fatalf("%d suites, want 2", len(doc.Suites))
	}
	// MIG004 has two error findings on orders: one failing testcase each,
	// named after the backend; the payments migration has one per rule.
	wantCases := [][]string{
		{"AGP001 snapshot-stale", "MIG001 rps-capacity", "MIG003 https-policy", "MIG004 egress-allowlist [47.97.3.3]", "MIG004 egress-allowlist [10.0.1.8]", "MIG011 destination-ready", "MIG013 source-drain", "MIG015 data-unavailable"},
		{"AGP001 snapshot-stale", "MIG001 rps-capacity", "MIG003 https-policy", "MIG004 egress-allowlist", "MIG011 destination-ready", "MIG013 source-drain", "MIG015 data-unavailable"},
	}
	for i, s := range doc.Suites {
		m := r.Migrations[i]
		if s.Name != m.ID() {
			t.Errorf("suite %d name %q, want %q", i, s.Name, m.ID())
		}
		var names []string
		for _, c := range s.Cases {
			names = append(names, c.Name)
			if want := "apigw-preflight." + m.GroupID + "." + strings.ReplaceAll(m.Destination, ".", "_"); c.Classname != want {
				t.Errorf("classname %q, want %q", c.Classname, want)
			}
		}
		if !reflect.DeepEqual(names, wantCases[i]) {
			t.Errorf("suite %q cases %v, want %v (every evaluated rule, in ID order)", s.Name, names, wantCases[i])
		}
	}
	// The payments migration passes every rule; its stale-snapshot warning
	// is below the gate, so only in system-out.
	for _, c := range doc.Suites[1].Cases {
		wantOut := ""
		if c.Name == "AGP001 snapshot-stale" {
			wantOut = "[warning] " + r.Migrations[1].Findings[0].Message + "\nresource: group payments (" + fxPaymentsGroup + ")\nremediation: " + r.Migrations[1].Findings[0].Remediation + "\n"
		}
		if len(c.Failure)+len(c.Error)+len(c.Skipped) != 0 || c.SystemOut != wantOut {
			t.Errorf("payments %s: want a pass with system-out %q, got %+v", c.Name, wantOut, c)
		}
	}
}

// Counts on every element agree with what the document holds, at both levels.
func TestJUnitCounts(t *testing.T) {
	for _, failOn := range []Severity{SeverityError, SeverityWarning, SeverityNote, SeverityNone} {
		r := fixtureResult()
		r.FailOn = Threshold{min: failOn}
		doc := decodeJUnit(t, renderJUnit(t, r))
		var tests, failures, errors, skipped int
		for _, s := range doc.Suites {
			var f, e, sk int
			for _, c := range s.Cases {
				if len(c.Failure) > 1 || len(c.Error) > 1 || len(c.Failure)+len(c.Error)+len(c.Skipped) > 1 {
					t.Errorf("fail-on %v: %s/%s has more than one outcome element", r.FailOn, s.Name, c.Name)
				}
				f += len(c.Failure)
				e += len(c.Error)
				sk += len(c.Skipped)
			}
			if s.Tests != len(s.Cases) || s.Failures != f || s.Errors != e || s.Skipped != sk || s.Time != "0.000" {
				t.Errorf("fail-on %v: suite %q says tests=%d failures=%d errors=%d skipped=%d time=%s; holds %d/%d/%d/%d",
					r.FailOn, s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, s.Time, len(s.Cases), f, e, sk)
			}
			tests += len(s.Cases)
			failures += f
			errors += e
			skipped += sk
		}
		if doc.Tests != tests || doc.Failures != failures || doc.Errors != errors || doc.Skipped != skipped || doc.Time != "0.000" {
			t.Errorf("fail-on %v: testsuites says %d/%d/%d/%d, holds %d/%d/%d/%d",
				r.FailOn, doc.Tests, doc.Failures, doc.Errors, doc.Skipped, tests, failures, errors, skipped)
		}
		// 7 rules on each migration; MIG004's failing findings on orders
		// split into a testcase each whenever they fail the gate: two
		// errors, plus the undecided warning from --fail-on warning on.
		wantTests := map[Severity]int{SeverityError: 15, SeverityWarning: 16, SeverityNote: 16, SeverityNone: 14}[failOn]
		if tests != wantTests || errors != 1 {
			t.Errorf("fail-on %v: %d tests, %d errors; want %d and 1", r.FailOn, tests, errors, wantTests)
		}
	}
}

// Failures correspond one to one with the findings at or above the
// threshold: each such finding is the failure of its own testcase, every
// other finding is only in system-out.
func TestJUnitFailuresMatchThreshold(t *testing.T) {
	for _, failOn := range []Severity{SeverityError, SeverityWarning, SeverityNote, SeverityNone} {
		r := fixtureResult()
		r.FailOn = Threshold{min: failOn}
		doc := decodeJUnit(t, renderJUnit(t, r))
		m := r.Migrations[0]
		var failText, outText string
		failures := 0
		for _, c := range doc.Suites[0].Cases {
			for _, f := range c.Failure {
				failures++
				failText += f.Text + "\x00"
				id, _, _ := strings.Cut(c.Name, " ")
				var match *Finding
				for _, fd := range m.FindingsFor(id) {
					if fd.Message == f.Message {
						match = &fd
					}
				}
				if match == nil || f.Type != match.Severity.String() || !strings.Contains(f.Text, match.Remediation) {
					t.Errorf("fail-on %v: %s failure %q type %q matches no finding of its rule", r.FailOn, c.Name, f.Message, f.Type)
				}
			}
			outText += c.SystemOut
		}
		want := 0
		for _, f := range m.Findings {
			if _, errored := m.ErrorFor(f.RuleID); errored {
				continue
			}
			inFailure := strings.Count(failText, f.Message)
			inOut := strings.Contains(outText, f.Message)
			if r.FailOn.Fails(f.Severity) {
				want++
				if inFailure != 1 || inOut {
					t.Errorf("fail-on %v: %s finding %q: in %d failures (want 1), in system-out %v", r.FailOn, f.Severity, f.Message, inFailure, inOut)
				}
			} else if inFailure != 0 || !inOut {
				t.Errorf("fail-on %v: %s finding %q should be in system-out only", r.FailOn, f.Severity, f.Message)
			}
		}
		if failures != want || doc.Suites[0].Failures != want {
			t.Errorf("fail-on %v: %d failure elements, attribute %d; want %d (one per finding at or above the gate)", r.FailOn, failures, doc.Suites[0].Failures, want)
		}
	}
}

func TestJUnitRuleError(t *testing.T) {
	doc := decodeJUnit(t, renderJUnit(t, fixtureResult()))
	var found bool
	for _, c := range doc.Suites[0].Cases {
		if c.Name != "MIG011 destination-ready" {
			if len(c.Error) > 0 {
				t.Errorf("%s has an error", c.Name)
			}
			continue
		}
		found = true
		if len(c.Error) != 1 || len(c.Failure) != 0 || !strings.Contains(c.Error[0].Message, "eval_conflict_error") {
			t.Errorf("MIG011: want one <error> about eval_conflict_error, got %+v", c)
		}
	}
	if !found {
		t.Fatal("no MIG011 test case")
	}
	// A rule error takes precedence over failing findings, which move to system-out.
	r := fixtureResult()
	r.Migrations[0].Errors = append(r.Migrations[0].Errors, RuleError{RuleID: "MIG001", Message: "undefined function"})
	doc = decodeJUnit(t, renderJUnit(t, r))
	c := junitCase(t, doc.Suites[0], "MIG001 rps-capacity")
	if len(c.Error) != 1 || len(c.Failure) != 0 || !strings.Contains(c.SystemOut, "3,100 RPS") {
		t.Errorf("MIG001 with an evaluation error: %+v", c)
	}
	if doc.Errors != 2 || doc.Failures != 2 {
		t.Errorf("errors=%d failures=%d, want 2 and 2 (MIG004's two findings)", doc.Errors, doc.Failures)
	}
}

func TestJUnitStripsControlCharacters(t *testing.T) {
	r := fixtureResult()
	f := &r.Migrations[0].Findings[0]
	f.Message = "\x1b[1;31mgroup orders\x1b[0m peaks\x00 at\x07 3,100\x0b RPS \x1b]8;;https://example.com\x07link\x1b]8;;\x07\u009b31m tab\there \xff"
	f.Remediation = "upgrade\x1b(B \x08now\r\n"
	r.Migrations[0].Errors[0].Message = "rego\x1b[K error\x1f"
	r.Migrations[0].GroupName = "ord\x01ers"
	out := renderJUnit(t, r)
	for _, c := range out {
		if c < 0x20 && c != '\n' && c != '\t' && c != '\r' {
			t.Fatalf("output holds control character %#x:\n%q", c, out)
		}
	}
	if bytes.Contains(out, []byte("[1;31m")) || bytes.Contains(out, []byte("]8;;")) || bytes.Contains(out, []byte("\u009b")) {
		t.Fatalf("ANSI escape sequence left in output:\n%s", out)
	}
	doc := decodeJUnit(t, out)
	failure := junitCase(t, doc.Suites[0], "MIG001 rps-capacity").Failure[0]
	if want := "group orders peaks at 3,100 RPS link tab\there \uFFFD"; failure.Message != want {
		t.Errorf("failure message %q, want %q", failure.Message, want)
	}
	if !strings.Contains(failure.Text, "remediation: upgrade now") {
		t.Errorf("failure text %q", failure.Text)
	}
	if doc.Suites[0].Name != "orders -> "+fxDestOrders {
		t.Errorf("suite name %q", doc.Suites[0].Name)
	}
}

// Text that ends a CDATA section survives the trip.
func TestJUnitCDATAEnd(t *testing.T) {
	r := fixtureResult()
	r.Migrations[0].Findings[0].Message = "a ]]> b <c> & d"
	doc := decodeJUnit(t, renderJUnit(t, r))
	if f := junitCase(t, doc.Suites[0], "MIG001 rps-capacity").Failure[0]; !strings.Contains(f.Text, "a ]]> b <c> & d") || f.Message != "a ]]> b <c> & d" {
		t.Errorf("failure = %+v", f)
	}
}

func TestJUnitText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                     "plain",
		"\x1b[31mred\x1b[0m":        "red",
		"a\x00b\x1fc\x7fd\u0085e":   "abcde",
		"keep\ttab\nnewline\r":      "keep\ttab\nnewline\r",
		"osc \x1b]0;title\x1b\\end": "osc end",
		"bad \xc3\x28 utf8":         "bad \uFFFD( utf8",
		"\ufffe\uffff中文":            "中文",
	} {
		if got := junitText(in); got != want {
			t.Errorf("junitText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJUnitUniqueNames(t *testing.T) {
	r := fixtureResult()
	dup := r.Migrations[0]
	dup.Input = "snapshots/orders-again.json"
	r.Migrations = append(r.Migrations, dup) // the same move twice
	doc := decodeJUnit(t, renderJUnit(t, r))
	suites := map[string]bool{}
	cases := map[string]bool{}
	for _, s := range doc.Suites {
		if suites[s.Name] {
			t.Errorf("duplicate suite name %q", s.Name)
		}
		suites[s.Name] = true
		for _, c := range s.Cases {
			key := c.Classname + "\x00" + c.Name
			if cases[key] {
				t.Errorf("duplicate test %s %s", c.Classname, c.Name)
			}
			cases[key] = true
		}
	}
	if len(doc.Suites) != 3 || doc.Suites[2].Name != "orders -> "+fxDestOrders+" #2" {
		t.Errorf("suites %d, third named %q", len(doc.Suites), doc.Suites[len(doc.Suites)-1].Name)
	}
}

func TestJUnitClassPart(t *testing.T) {
	for in, want := range map[string]string{
		"apigateway-hz-ab12": "apigateway-hz-ab12",
		"a.b c/d":            "a_b_c_d",
		"":                   "_",
	} {
		if got := junitClassPart(in); got != want {
			t.Errorf("junitClassPart(%q) = %q, want %q", in, got, want)
		}
	}
}

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
	return renderJUnitWith(t, r, Options{})
}

func renderJUnitWith(t *testing.T, r *Result, opts Options) []byte {
	t.Helper()
	f, err := Lookup("junit")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.New(opts).Report(&buf, r); err != nil {
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
	Time     string          `xml:"time,attr"`
	Suites   []junitDocSuite `xml:"testsuite"`
}

type junitDocSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	File       string          `xml:"file,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitDocCase  `xml:"testcase"`
}

type junitDocProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitDocCase struct {
	Name      string            `xml:"name,attr"`
	Classname string            `xml:"classname,attr"`
	Time      *string           `xml:"time,attr"`
	Failure   []junitDocProblem `xml:"failure"`
	Error     []junitDocProblem `xml:"error"`
	Skipped   []junitDocProblem `xml:"skipped"`
	SystemOut string            `xml:"system-out"`
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
	// A rule without findings is one passing case; a rule with findings
	// has one case per finding, named after what it is about.
	wantCases := [][]string{
		{"AGP001 snapshot-stale", "MIG001 rps-capacity [instance " + fxDestOrders + "]", "MIG003 https-policy [api.orders.example.com]",
			"MIG004 egress-allowlist [47.97.3.3]", "MIG004 egress-allowlist [10.0.1.8]", "MIG004 egress-allowlist [#host#]",
			"MIG011 destination-ready", "MIG013 source-drain [instance " + fxSource + "]", "MIG015 data-unavailable"},
		{"AGP001 snapshot-stale [snapshot-age]", "MIG001 rps-capacity", "MIG003 https-policy", "MIG004 egress-allowlist", "MIG011 destination-ready", "MIG013 source-drain", "MIG015 data-unavailable"},
	}
	wantFile := []string{"snapshots/orders.json", "snapshots/payments.json"}
	wantTime := []string{"0.012", "0.003"}
	for i, s := range doc.Suites {
		m := r.Migrations[i]
		if want := m.GroupID + " -> " + m.Destination; s.Name != want {
			t.Errorf("suite %d name %q, want %q", i, s.Name, want)
		}
		if s.File != wantFile[i] || s.Time != wantTime[i] {
			t.Errorf("suite %d file %q time %q, want %q and %q", i, s.File, s.Time, wantFile[i], wantTime[i])
		}
		var names []string
		for _, c := range s.Cases {
			names = append(names, c.Name)
			if want := "apigw-preflight." + m.GroupID + "." + strings.ReplaceAll(m.Destination, ".", "_"); c.Classname != want {
				t.Errorf("classname %q, want %q", c.Classname, want)
			}
			if c.Time != nil {
				t.Errorf("%s has time %q; cases are not timed apart", c.Name, *c.Time)
			}
		}
		if !reflect.DeepEqual(names, wantCases[i]) {
			t.Errorf("suite %q cases\n %v\nwant %v", s.Name, names, wantCases[i])
		}
	}
	if doc.Time != "0.015" {
		t.Errorf("testsuites time %q, want the sum 0.015 (0.012 + 0.003)", doc.Time)
	}
	// The payments migration passes; its stale-snapshot warning is below
	// the gate: a skipped case whose message and text say what it is.
	stale := junitCase(t, doc.Suites[1], "AGP001 snapshot-stale [snapshot-age]")
	f := r.Migrations[1].Findings[0]
	wantText := "[warning] " + f.Message + "\nresource: group payments (" + fxPaymentsGroup + ")\nremediation: " + f.Remediation + "\n"
	if len(stale.Skipped) != 1 || stale.Skipped[0].Type != "below-gate" || stale.Skipped[0].Message != "[warning] below the gate (--fail-on error): "+f.Message ||
		stale.Skipped[0].Text != wantText || len(stale.Failure)+len(stale.Error) != 0 {
		t.Errorf("payments AGP001: %+v", stale)
	}
	for _, c := range doc.Suites[1].Cases[1:] {
		if len(c.Failure)+len(c.Error)+len(c.Skipped) != 0 || c.SystemOut != "" {
			t.Errorf("payments %s: want a plain pass, got %+v", c.Name, c)
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
				if len(c.Failure)+len(c.Error)+len(c.Skipped) > 1 {
					t.Errorf("fail-on %v: %s/%s has more than one outcome element", r.FailOn, s.Name, c.Name)
				}
				f += len(c.Failure)
				e += len(c.Error)
				sk += len(c.Skipped)
			}
			if s.Tests != len(s.Cases) || s.Failures != f || s.Errors != e || s.Skipped != sk {
				t.Errorf("fail-on %v: suite %q says tests=%d failures=%d errors=%d skipped=%d; holds %d/%d/%d/%d",
					r.FailOn, s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), f, e, sk)
			}
			tests += len(s.Cases)
			failures += f
			errors += e
			skipped += sk
		}
		if doc.Tests != tests || doc.Failures != failures || doc.Errors != errors {
			t.Errorf("fail-on %v: testsuites says %d/%d/%d, holds %d/%d/%d", r.FailOn, doc.Tests, doc.Failures, doc.Errors, tests, failures, errors)
		}
		// The number of cases does not depend on the gate: 9 on orders
		// (six findings over five rules, MIG011 errored, MIG015 and
		// AGP001 clean), 7 on payments. Failures plus skipped cases are
		// the findings outside the errored rule: 7.
		if tests != 16 || errors != 1 || failures+skipped != 7 {
			t.Errorf("fail-on %v: %d tests, %d errors, %d failures + %d skipped; want 16, 1 and 7 in all", r.FailOn, tests, errors, failures, skipped)
		}
	}
}

// Each finding is exactly one case: a failure when it fails the gate, a
// skipped case below it.
func TestJUnitFailuresMatchThreshold(t *testing.T) {
	for _, failOn := range []Severity{SeverityError, SeverityWarning, SeverityNote, SeverityNone} {
		r := fixtureResult()
		r.FailOn = Threshold{min: failOn}
		doc := decodeJUnit(t, renderJUnit(t, r))
		for si, s := range doc.Suites {
			m := r.Migrations[si]
			failed, skipped := map[string]int{}, map[string]int{}
			for _, c := range s.Cases {
				for _, f := range c.Failure {
					failed[f.Message]++
					if !strings.Contains(f.Text, f.Message) {
						t.Errorf("failure text %q lacks its message", f.Text)
					}
				}
				for _, sk := range c.Skipped {
					skipped[strings.SplitN(sk.Message, "): ", 2)[1]]++
				}
			}
			for _, f := range m.Findings {
				if _, errored := m.ErrorFor(f.RuleID); errored {
					continue
				}
				wantF, wantS := 0, 1
				if r.FindingFails(f) {
					wantF, wantS = 1, 0
				}
				if failed[f.Message] != wantF || skipped[f.Message] != wantS {
					t.Errorf("fail-on %v: %s %q: %d failures and %d skipped, want %d and %d",
						r.FailOn, f.Severity, f.Message, failed[f.Message], skipped[f.Message], wantF, wantS)
				}
			}
		}
	}
	// Undecided under --fail-on-undecided: type "undecided".
	r := fixtureResult()
	r.FailOnUndecided = true
	c := junitCase(t, decodeJUnit(t, renderJUnit(t, r)).Suites[0], "MIG004 egress-allowlist [#host#]")
	if len(c.Failure) != 1 || c.Failure[0].Type != "undecided" || !strings.HasPrefix(c.Failure[0].Text, "[warning, undecided] could not check") {
		t.Errorf("undecided MIG004 under --fail-on-undecided: %+v", c)
	}
}

func TestJUnitRuleError(t *testing.T) {
	doc := decodeJUnit(t, renderJUnit(t, fixtureResult()))
	c := junitCase(t, doc.Suites[0], "MIG011 destination-ready")
	if len(c.Error) != 1 || len(c.Failure) != 0 || c.Error[0].Type != "evaluation-error" || !strings.Contains(c.Error[0].Message, "eval_conflict_error") {
		t.Errorf("MIG011: want one <error> about eval_conflict_error, got %+v", c)
	}
	// A rule error takes the place of the rule's findings, which become
	// its system-out.
	r := fixtureResult()
	r.Migrations[0].Errors = append(r.Migrations[0].Errors, RuleError{RuleID: "MIG001", Message: "undefined function"})
	doc = decodeJUnit(t, renderJUnit(t, r))
	c = junitCase(t, doc.Suites[0], "MIG001 rps-capacity")
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
	failure := junitCase(t, doc.Suites[0], "MIG001 rps-capacity [instance "+fxDestOrders+"]").Failure[0]
	if want := "group orders peaks at 3,100 RPS link tab\there \uFFFD"; failure.Message != want {
		t.Errorf("failure message %q, want %q", failure.Message, want)
	}
	if !strings.Contains(failure.Text, "remediation: upgrade now") {
		t.Errorf("failure text %q", failure.Text)
	}
	if !slices.Contains(doc.Suites[0].Properties, junitProperty{Name: "groupName", Value: "orders"}) {
		t.Errorf("properties %v", doc.Suites[0].Properties)
	}
}

// Text that ends a CDATA section survives the trip.
func TestJUnitCDATAEnd(t *testing.T) {
	r := fixtureResult()
	r.Migrations[0].Findings[0].Message = "a ]]> b <c> & d"
	doc := decodeJUnit(t, renderJUnit(t, r))
	if f := junitCase(t, doc.Suites[0], "MIG001 rps-capacity [instance "+fxDestOrders+"]").Failure[0]; !strings.Contains(f.Text, "a ]]> b <c> & d") || f.Message != "a ]]> b <c> & d" {
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

// testIDs lists every "classname / name" of a document, sorted.
func testIDs(doc junitDoc) []string {
	var out []string
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			out = append(out, c.Classname+" / "+c.Name)
		}
	}
	slices.Sort(out)
	return out
}

// Test identity: unique, and independent of the order of the inputs.
func TestJUnitStableNames(t *testing.T) {
	r := fixtureResult()
	dup := r.Migrations[0]
	dup.Input = "snapshots/orders-again.json"
	r.Migrations = append(r.Migrations, dup) // the same move twice
	doc := decodeJUnit(t, renderJUnit(t, r))
	ids := testIDs(doc)
	if len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("duplicate test IDs: %v", ids)
	}
	var suites []string
	for _, s := range doc.Suites {
		suites = append(suites, s.Name)
	}
	want := []string{
		fxOrdersGroup + " -> " + fxDestOrders + " (snapshots/orders.json)",
		fxPaymentsGroup + " -> " + fxDestPayments,
		fxOrdersGroup + " -> " + fxDestOrders + " (snapshots/orders-again.json)",
	}
	if !slices.Equal(suites, want) {
		t.Errorf("suites %v, want %v", suites, want)
	}

	reordered := fixtureResult()
	reordered.Migrations = []Migration{r.Migrations[2], r.Migrations[1], r.Migrations[0]}
	if got := testIDs(decodeJUnit(t, renderJUnit(t, reordered))); !slices.Equal(got, ids) {
		t.Errorf("reordering the inputs changed test names:\n got %v\nwant %v", got, ids)
	}

	// A rule going from one finding to two adds a case and renames none.
	one := fixtureResult()
	one.Migrations[0].Findings = slices.DeleteFunc(one.Migrations[0].Findings, func(f Finding) bool { return f.Key == "47.97.3.3" || f.Key == "#host#" })
	before := testIDs(decodeJUnit(t, renderJUnit(t, one)))
	after := testIDs(decodeJUnit(t, renderJUnit(t, fixtureResult())))
	for _, id := range before {
		if !slices.Contains(after, id) {
			t.Errorf("test %q vanished when its rule got more findings", id)
		}
	}

	// Two findings of one rule with the same label: told apart by their
	// messages, whatever their order.
	same := fixtureResult()
	fs := same.Migrations[0].Findings
	for i := range fs {
		if fs[i].RuleID == "MIG004" {
			fs[i].Key = "shared"
		}
	}
	a := testIDs(decodeJUnit(t, renderJUnit(t, same)))
	slices.Reverse(fs)
	if b := testIDs(decodeJUnit(t, renderJUnit(t, same))); !slices.Equal(a, b) || len(slices.Compact(slices.Clone(a))) != len(a) {
		t.Errorf("shared labels: %v then %v", a, b)
	}
}

// Paths are repository-relative with Options.SourceRoot.
func TestJUnitSourceRoot(t *testing.T) {
	doc := decodeJUnit(t, renderJUnitWith(t, fixtureResult(), Options{SourceRoot: "/src"}))
	if doc.Suites[0].File != "infra/snapshots/orders.json" || !slices.Contains(doc.Suites[0].Properties, junitProperty{Name: "input", Value: "infra/snapshots/orders.json"}) {
		t.Errorf("suite file %q, properties %v", doc.Suites[0].File, doc.Suites[0].Properties)
	}
	plan := decodeJUnit(t, renderJUnit(t, planResult()))
	if s := plan.Suites[0]; s.Name != "terraform plan terraform/plan.json" || s.Failures != 1 ||
		s.Cases[0].Classname != "apigw-preflight.terraform.terraform_plan_json" || s.Cases[0].Name != "MIG016 terraform-replace ["+fxOrdersGroup+"]" {
		t.Errorf("plan suite %+v", s)
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

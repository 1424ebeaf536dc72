package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// PolicyTest is the outcome of one Rego unit test (apigw-preflight
// policies test).
type PolicyTest struct {
	// Name is unique and stable: the test's package and rule name
	// (acme.approved_destination_test.test_other_destination_fires).
	Name    string
	Package string
	File    string
	Line    int
	Failed  bool
	Error   string // the evaluation error, when the test could not run
	Skipped bool
	Time    time.Duration
}

// WritePolicyTestsJUnit writes the outcomes as JUnit XML valid against
// junit-10.xsd: one <testsuite> per package (in order of first
// appearance), one <testcase> per test named by its unique Name with the
// package as classname; a failed test has a <failure> whose message is
// its file:line, a test that could not be evaluated an <error> with the
// error, a todo_ test <skipped>.
func WritePolicyTestsJUnit(w io.Writer, tests []PolicyTest) error {
	doc := junitTestSuites{Name: "apigw-preflight policies test"}
	index := map[string]int{}
	var total time.Duration
	var times []time.Duration
	for _, t := range tests {
		i, ok := index[t.Package]
		if !ok {
			i = len(doc.Suites)
			index[t.Package] = i
			doc.Suites = append(doc.Suites, junitTestSuite{Name: junitText(t.Package)})
			times = append(times, 0)
		}
		s := &doc.Suites[i]
		c := junitTestCase{Name: junitText(t.Name), Classname: junitText(t.Package)}
		at := fmt.Sprintf("%s:%d", t.File, t.Line)
		switch {
		case t.Error != "":
			c.Error = &junitProblem{Message: junitText(at), Type: "error", Text: junitText(t.Error)}
			s.Errors++
		case t.Failed:
			c.Failure = &junitProblem{Message: junitText(at), Type: "fail", Text: junitText(t.Name + " failed at " + at)}
			s.Failures++
		case t.Skipped:
			c.Skipped = &junitProblem{Message: "todo", Type: "todo"}
			s.Skipped++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
		total += t.Time
		times[i] += t.Time
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
	}
	doc.Time = junitSeconds(total)
	for i := range doc.Suites {
		doc.Suites[i].Time = junitSeconds(times[i])
	}
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
	_, err := io.WriteString(w, "\n")
	return err
}

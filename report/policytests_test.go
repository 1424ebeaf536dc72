package report

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func policyTestsFixture() []PolicyTest {
	return []PolicyTest{
		{Name: "acme.approved_destination_test.test_quiet", Package: "acme.approved_destination_test", File: "acme/approved_destination_test.rego", Line: 5, Time: 2 * time.Millisecond},
		{Name: "acme.approved_destination_test.test_fires", Package: "acme.approved_destination_test", File: "acme/approved_destination_test.rego", Line: 10, Failed: true, Time: time.Millisecond},
		{Name: "main_test.test_deny", Package: "main_test", File: "conftest/main_test.rego", Line: 3, Failed: true, Error: "main_test.rego:4: eval_builtin_error: div: divide by zero\x1b[0m"},
		{Name: "main_test.todo_test_later", Package: "main_test", File: "conftest/main_test.rego", Line: 9, Skipped: true},
	}
}

func TestPolicyTestsJUnit(t *testing.T) {
	var buf bytes.Buffer
	if err := WritePolicyTestsJUnit(&buf, policyTestsFixture()); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	xsd, err := junitXSD()
	if err != nil {
		t.Fatal(err)
	}
	if problems := xsd.validate(out); len(problems) > 0 {
		t.Errorf("not valid against junit-10.xsd:\n  %s\n%s", strings.Join(problems, "\n  "), out)
	}
	if xmllint, err := exec.LookPath("xmllint"); err == nil {
		file := filepath.Join(t.TempDir(), "tests.xml")
		if err := os.WriteFile(file, out, 0o644); err != nil {
			t.Fatal(err)
		}
		if msg, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join("testdata", "junit-10.xsd"), file).CombinedOutput(); err != nil {
			t.Errorf("xmllint --schema junit-10.xsd: %v\n%s", err, msg)
		}
	}
	var doc junitTestSuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	type suite struct {
		Name                             string
		Tests, Failures, Errors, Skipped int
		Time                             string
		Cases                            []string
	}
	var got []suite
	for _, s := range doc.Suites {
		g := suite{s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, s.Time, nil}
		for _, c := range s.Cases {
			mark := "pass"
			switch {
			case c.Failure != nil:
				mark = "failure " + c.Failure.Message
			case c.Error != nil:
				mark = "error " + c.Error.Message + " " + c.Error.Text
			case c.Skipped != nil:
				mark = "skipped"
			}
			g.Cases = append(g.Cases, c.Classname+" | "+c.Name+" | "+mark)
		}
		got = append(got, g)
	}
	want := []suite{
		{"acme.approved_destination_test", 2, 1, 0, 0, "0.003", []string{
			"acme.approved_destination_test | acme.approved_destination_test.test_quiet | pass",
			"acme.approved_destination_test | acme.approved_destination_test.test_fires | failure acme/approved_destination_test.rego:10",
		}},
		{"main_test", 2, 0, 1, 1, "0.000", []string{
			"main_test | main_test.test_deny | error conftest/main_test.rego:3 main_test.rego:4: eval_builtin_error: div: divide by zero",
			"main_test | main_test.todo_test_later | skipped",
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("suites:\n got %+v\nwant %+v", got, want)
	}
	if doc.Tests != 4 || doc.Failures != 1 || doc.Errors != 1 || doc.Time != "0.003" {
		t.Errorf("testsuites: tests %d failures %d errors %d time %s", doc.Tests, doc.Failures, doc.Errors, doc.Time)
	}
}

package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// undecidedResult is the fixture's payments migration alone, with one
// undecided finding of the given rule and severity.
func undecidedResult(ruleID string, sev Severity, failOnUndecided bool) *Result {
	r := fixtureResult()
	r.Migrations = r.Migrations[1:]
	r.ExitCode = 0
	r.FailOnUndecided = failOnUndecided
	r.Migrations[0].Findings = append(r.Migrations[0].Findings, Finding{
		RuleID: ruleID, RuleName: "x", Severity: sev, Undecided: true,
		Message:  "could not check the RPS capacity: DescribeGroupQps failed during collection",
		Resource: Resource{Kind: "group", ID: fxPaymentsGroup},
	})
	SortFindings(r.Migrations[0].Findings)
	return r
}

func TestFailOnUndecided(t *testing.T) {
	cases := []struct {
		name     string
		rule     string
		sev      Severity
		on       bool
		wantFail bool
	}{
		{"off: a warning passes --fail-on error", "MIG001", SeverityWarning, false, false},
		{"on: an error rule's undecided warning fails", "MIG001", SeverityWarning, true, true},
		{"on: an undecided note of an error rule fails", "MIG004", SeverityNote, true, true},
		{"on: a warning rule's undecided finding passes", "MIG015", SeverityWarning, true, false},
		{"on: a rule the result does not describe counts as error", "ORG001", SeverityWarning, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := undecidedResult(c.rule, c.sev, c.on)
			m := &r.Migrations[0]
			if got := r.MigrationFails(m); got != c.wantFail {
				t.Errorf("MigrationFails = %v, want %v", got, c.wantFail)
			}
			if got := r.Summary(); got.Failed != btoi(c.wantFail) || got.Undecided != 1 {
				t.Errorf("summary failed=%d undecided=%d, want %d and 1", got.Failed, got.Undecided, btoi(c.wantFail))
			}
			if want := map[bool]Verdict{false: VerdictPass, true: VerdictFail}[c.wantFail]; r.Verdict() != want {
				t.Errorf("verdict %q, want %q", r.Verdict(), want)
			}
			// The JSON report says what the gate was and agrees with it.
			var doc struct {
				FailOnUndecided bool `json:"failOnUndecided"`
				Passed          bool `json:"passed"`
				Migrations      []struct {
					Passed   bool `json:"passed"`
					Findings []struct {
						RuleID    string `json:"ruleId"`
						Undecided bool   `json:"undecided"`
					} `json:"findings"`
				} `json:"migrations"`
			}
			if err := json.Unmarshal(render(t, "json", Options{}, r), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.FailOnUndecided != c.on || doc.Passed == c.wantFail || doc.Migrations[0].Passed == c.wantFail {
				t.Errorf("json failOnUndecided=%v passed=%v migration passed=%v", doc.FailOnUndecided, doc.Passed, doc.Migrations[0].Passed)
			}
			marked := 0
			for _, f := range doc.Migrations[0].Findings {
				if f.Undecided {
					marked++
					if f.RuleID != c.rule {
						t.Errorf("json: %s marked undecided", f.RuleID)
					}
				}
			}
			if marked != 1 {
				t.Errorf("json: %d findings marked undecided, want 1", marked)
			}
			// JUnit: the finding is a failure of type "undecided" exactly
			// when only the undecided gate fails it.
			jdoc := decodeJUnit(t, renderJUnit(t, r))
			var failTypes []string
			for _, tc := range jdoc.Suites[0].Cases {
				for _, f := range tc.Failure {
					failTypes = append(failTypes, f.Type)
				}
			}
			wantTypes := ""
			if c.wantFail {
				wantTypes = "undecided"
			}
			if strings.Join(failTypes, ",") != wantTypes || jdoc.Failures != btoi(c.wantFail) {
				t.Errorf("junit failure types %v (failures=%d), want %q", failTypes, jdoc.Failures, wantTypes)
			}
			text := string(render(t, "text", Options{}, r))
			wantGate := "(--fail-on error)"
			if c.on {
				wantGate = "(--fail-on error --fail-on-undecided)"
			}
			if !strings.Contains(text, wantGate) || !strings.Contains(text, "UNDECIDED could not check the RPS capacity") ||
				!strings.Contains(text, "1 undecided finding.") {
				t.Errorf("text report lacks the gate %s or the marker:\n%s", wantGate, text)
			}
			if verdict := strings.HasPrefix(text, "FAIL"); verdict != c.wantFail {
				t.Errorf("text verdict FAIL=%v, want %v", verdict, c.wantFail)
			}
			sarifOut := renderSARIF(t, r)
			if !bytes.Contains(sarifOut, []byte(`"undecided": true`)) {
				t.Errorf("sarif result lacks properties.undecided")
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

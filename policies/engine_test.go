package policies

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/report"
)

const extraRule = `# METADATA
# title: Test rule
# description: Fires on input.fire.
# related_resources:
#   - ref: https://example.com/help
# custom:
#   id: ZZZ901
#   name: test-rule
#   severity: warning
#   remediation: Do the thing.
#   tags: [test]
package apigw.rules.zz_test_rule

findings contains {"message": sprintf("fire is %v", [input.fire]), "path": ["fire"], "key": 7} if input.fire

findings contains {"message": "boom", "severity": "error", "remediation": "Specific fix."} if input.boom
`

const brokenRule = `# METADATA
# title: Broken rule
# custom:
#   id: ZZZ902
#   name: broken
#   severity: error
#   remediation: none
package apigw.rules.zz_broken

findings contains {"message": "n"} if to_number(input.n) > 1
`

func newTestEngine(t *testing.T, extra map[string]string) *Engine {
	t.Helper()
	e, err := New(context.Background(), Options{Extra: extra})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func eval(t *testing.T, e *Engine, doc map[string]any) ([]report.Finding, []report.RuleError) {
	t.Helper()
	v, err := InputValue(doc)
	if err != nil {
		t.Fatal(err)
	}
	fs, errs, err := e.Evaluate(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	return fs, errs
}

func TestExtraRuleMetadataAndDefaults(t *testing.T) {
	e := newTestEngine(t, map[string]string{"extra/test.rego": extraRule})
	var rule report.Rule
	for _, r := range e.Rules() {
		if r.ID == "ZZZ901" {
			rule = r
		}
	}
	want := report.Rule{ID: "ZZZ901", Name: "test-rule", Title: "Test rule", Description: "Fires on input.fire.",
		Severity: report.SeverityWarning, Remediation: "Do the thing.", HelpURI: "https://example.com/help",
		Tags: []string{"test"}, Package: "data.apigw.rules.zz_test_rule"}
	if rule.ID == "" || rule.Name != want.Name || rule.HelpURI != want.HelpURI || rule.Severity != want.Severity ||
		rule.Remediation != want.Remediation || rule.Package != want.Package || strings.Join(rule.Tags, ",") != "test" {
		t.Fatalf("rule = %+v, want %+v", rule, want)
	}

	fs, errs := eval(t, e, map[string]any{"fire": true, "boom": true})
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	var mine []report.Finding
	for _, f := range fs {
		if f.RuleID == "ZZZ901" {
			mine = append(mine, f)
		}
	}
	if len(mine) != 2 {
		t.Fatalf("got %d findings of ZZZ901, want 2: %+v", len(mine), mine)
	}
	// Sorted: error first.
	if mine[0].Severity != report.SeverityError || mine[0].Message != "boom" || mine[0].Remediation != "Specific fix." {
		t.Errorf("first finding = %+v", mine[0])
	}
	if mine[1].Severity != report.SeverityWarning || mine[1].Message != "fire is true" ||
		mine[1].Remediation != "Do the thing." || strings.Join(mine[1].Path, ".") != "fire" || mine[1].Key != "7" {
		t.Errorf("second finding = %+v", mine[1])
	}
}

func TestEvaluationErrorIsReported(t *testing.T) {
	e := newTestEngine(t, map[string]string{"extra/broken.rego": brokenRule})
	_, errs := eval(t, e, map[string]any{"n": "not a number"})
	if len(errs) != 1 || errs[0].RuleID != "ZZZ902" || !strings.Contains(errs[0].Message, "to_number") {
		t.Fatalf("errs = %+v, want one ZZZ902 error mentioning to_number", errs)
	}
}

func TestRuleMetadataErrors(t *testing.T) {
	cases := map[string]string{
		"no metadata":  "package apigw.rules.zz_none\n\nfindings contains {\"message\": \"x\"} if false\n",
		"bad id":       strings.Replace(extraRule, "ZZZ901", "mig-1", 1),
		"bad severity": strings.Replace(extraRule, "severity: warning", "severity: fatal", 1),
		"duplicate id": strings.Replace(extraRule, "ZZZ901", "MIG001", 1),
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := New(context.Background(), Options{Extra: map[string]string{"extra/x.rego": src}})
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			if !strings.Contains(err.Error(), "extra/x.rego") && name != "duplicate id" {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestCancelledContext(t *testing.T) {
	e := newTestEngine(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v, _ := InputValue(map[string]any{})
	if _, _, err := e.Evaluate(ctx, v); err == nil {
		t.Fatal("Evaluate on a cancelled context succeeded")
	}
}

// A rule package may span several files; the METADATA block sits in one of
// them, whichever sorts first.
func TestRuleAcrossFiles(t *testing.T) {
	helper := "package apigw.rules.zz_split\n\n_fires if input.fire\n"
	rule := strings.Replace(extraRule, "package apigw.rules.zz_test_rule", "package apigw.rules.zz_split", 1)
	rule = strings.Replace(rule, "if input.fire\n", "if _fires\n", 1)
	e := newTestEngine(t, map[string]string{"extra/a_helpers.rego": helper, "extra/z_rule.rego": rule})
	fs, errs := eval(t, e, map[string]any{"fire": true})
	if len(errs) != 0 || len(fs) != 1 || fs[0].RuleID != "ZZZ901" || fs[0].Message != "fire is true" {
		t.Fatalf("findings %+v, errors %+v; want the one ZZZ901 finding", fs, errs)
	}
	_, err := New(context.Background(), Options{Extra: map[string]string{"extra/a_helpers.rego": helper}})
	if err == nil || !strings.Contains(err.Error(), "extra/a_helpers.rego: rule package data.apigw.rules.zz_split has no METADATA block") {
		t.Fatalf("New without the METADATA file: %v", err)
	}
}

// The combined query and the per-rule queries (the fallback that pins an
// error on its rule) give the same findings on every sample.
func TestQueryPathsAgree(t *testing.T) {
	e := newTestEngine(t, nil)
	ctx := context.Background()
	for _, f := range sampleFiles(t) {
		v, err := InputValue(decodeFile(t, f))
		if err != nil {
			t.Fatal(err)
		}
		all, ok := e.evaluateAll(ctx, v)
		each, errs, err := e.evaluateEach(ctx, v)
		if !ok || err != nil || len(errs) > 0 {
			t.Fatalf("%s: combined ok=%v, per rule %v %v", f, ok, err, errs)
		}
		if !reflect.DeepEqual(all, each) || len(all) == 0 && !strings.Contains(f, "healthy") {
			t.Errorf("%s: combined query gives %+v, per-rule queries %+v", f, all, each)
		}
	}
}

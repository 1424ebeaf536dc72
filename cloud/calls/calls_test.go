package calls_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/cloud/calls"
	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
)

func TestRegistryRows(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range calls.All() {
		if seen[strings.ToLower(c.Action)] {
			t.Errorf("%s: listed twice", c.Action)
		}
		seen[strings.ToLower(c.Action)] = true
		prefix := map[string]string{calls.ProductCloudAPI: "apigateway:", calls.ProductECS: "ecs:"}[c.Product]
		if prefix == "" || c.RAMAction != prefix+c.Action {
			t.Errorf("%s: product %q, RAM action %q", c.Action, c.Product, c.RAMAction)
		}
		if c.Essential && len(c.Rules) > 0 {
			t.Errorf("%s: an essential call never leaves a rule undecided (the collection stops), yet it names %v", c.Action, c.Rules)
		}
		if !c.Essential && len(c.Rules) == 0 {
			t.Errorf("%s: an optional read must name the rules that need it", c.Action)
		}
		got, ok := calls.Lookup(" " + strings.ToLower(c.Action))
		if !ok || got.Action != c.Action || !slices.Equal(got.Rules, c.Rules) {
			t.Errorf("Lookup(%q) = %+v, %v", c.Action, got, ok)
		}
	}
	if _, ok := calls.Lookup("DescribeApiHistory"); ok {
		t.Error("DescribeApiHistory is not a call the tool makes")
	}
}

// TestFailedReadLeavesItsRulesUndecided checks the registry against the
// rules: a failed read of each optional call leaves the rules the registry
// names undecided (MIG009 only applies to a VPC integration destination,
// hence two samples) and no other, and MIG015 reports the read.
func TestFailedReadLeavesItsRulesUndecided(t *testing.T) {
	ctx := context.Background()
	eng, err := policies.New(ctx, policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var samples [][]byte
	for _, name := range []string{"healthy.json", "vpc-connect-healthy.json"} {
		raw, err := os.ReadFile("../../testdata/snapshots/" + name)
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, raw)
	}
	for _, c := range calls.All() {
		if c.Essential {
			continue
		}
		t.Run(c.Action, func(t *testing.T) {
			var undecided []string
			for _, raw := range samples {
				fs := evaluate(t, eng, raw, c.Action)
				for _, f := range fs {
					if f.Undecided && f.RuleID != "MIG015" && !slices.Contains(undecided, f.RuleID) {
						undecided = append(undecided, f.RuleID)
					}
				}
				var mig015 []string
				for _, f := range fs {
					if f.RuleID == "MIG015" {
						mig015 = append(mig015, f.Message)
					}
				}
				if len(mig015) != 1 || !strings.Contains(mig015[0], c.Action+" failed during collection") {
					t.Fatalf("MIG015 findings %q, want one naming %s", mig015, c.Action)
				}
				for _, id := range c.Rules {
					if !strings.Contains(mig015[0], id) {
						t.Errorf("MIG015 %q does not name %s", mig015[0], id)
					}
				}
			}
			slices.Sort(undecided)
			if !slices.Equal(undecided, c.Rules) {
				t.Errorf("undecided rules %v, want the registry's %v", undecided, c.Rules)
			}
		})
	}
}

// evaluate runs the rules on raw with one failed read of call recorded.
func evaluate(t *testing.T, eng *policies.Engine, raw []byte, call string) []report.Finding {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["collectionErrors"] = []any{map[string]any{"call": call, "code": "InternalError", "message": "boom"}}
	input, err := policies.InputValue(doc)
	if err != nil {
		t.Fatal(err)
	}
	findings, errs, err := eng.Evaluate(context.Background(), input)
	if err != nil || len(errs) > 0 {
		t.Fatalf("evaluate: %v %+v", err, errs)
	}
	return findings
}

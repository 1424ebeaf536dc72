package policies

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/report"
)

func evalPlan(t *testing.T, e *Engine, doc map[string]any) ([]report.Finding, []report.RuleError) {
	t.Helper()
	v, err := InputValue(doc)
	if err != nil {
		t.Fatal(err)
	}
	fs, errs, err := e.EvaluatePlan(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	return fs, errs
}

func evalFleet(t *testing.T, e *Engine, doc map[string]any) ([]report.Finding, []report.RuleError) {
	t.Helper()
	v, err := InputValue(doc)
	if err != nil {
		t.Fatal(err)
	}
	fs, errs, err := e.EvaluateFleet(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	return fs, errs
}

// MIG016 is a plan rule: described from its METADATA as rules.md says,
// evaluated on plans only, never among the snapshot rules.
func TestPlanRules(t *testing.T) {
	e := newTestEngine(t, nil)
	plan := e.PlanRules()
	if len(plan) != 1 {
		t.Fatalf("plan rules %+v, want MIG016 alone", plan)
	}
	r := plan[0]
	if r.ID != "MIG016" || r.Name != "terraform-replace" || r.Severity != report.SeverityError ||
		r.Package != "data.apigw.terraform.terraform_replace" || r.Remediation == "" || r.Description == "" || !strings.HasPrefix(r.HelpURI, "https://") {
		t.Errorf("MIG016 descriptor %+v", r)
	}
	for _, sr := range e.Rules() {
		if sr.ID == "MIG016" {
			t.Error("MIG016 is among the snapshot rules")
		}
	}
	// A snapshot gives no plan finding, a plan no snapshot finding.
	fs, errs := eval(t, e, decodeFile(t, "../testdata/snapshots/healthy.json"))
	for _, f := range fs {
		if f.RuleID == "MIG016" {
			t.Errorf("MIG016 on a snapshot: %+v", f)
		}
	}
	if len(errs) > 0 {
		t.Errorf("rule errors on a snapshot: %+v", errs)
	}
}

func TestPlanSamples(t *testing.T) {
	e := newTestEngine(t, nil)
	for _, tc := range []struct {
		file string
		want []report.Finding
	}{
		{"replace-instance.json", []report.Finding{{
			RuleID:   "MIG016",
			RuleName: "terraform-replace",
			Severity: report.SeverityError,
			Message: "The plan replaces alicloud_api_gateway_group.orders (group 523e8dc7bbe04613b5b1d726c2a7889d, orders): instance_id changes from api-shared-vpc-001 to apigateway-hz-3f9a1c7e2b84, " +
				"and since it forces a new resource the provider destroys the group and creates another (a new GroupId and second-level domain; its APIs, stages and bindings gone) instead of moving it.",
			Remediation: "Do not apply this plan. Move the group instead: apigw-preflight run --group 523e8dc7bbe04613b5b1d726c2a7889d --to apigateway-hz-3f9a1c7e2b84 --migrate " +
				"(ModifyApiGroupInstance, after a passing preflight); then keep instance_id = \"apigateway-hz-3f9a1c7e2b84\" in the configuration and run terraform apply -refresh-only, so that the next plan shows no change.",
			Resource: report.Resource{Kind: "terraform-resource", ID: "alicloud_api_gateway_group.orders", Name: "orders"},
			Path:     []string{"resource_changes", "0", "change", "after", "instance_id"},
			Key:      "alicloud_api_gateway_group.orders",
		}}},
		{"in-place.json", nil},
		{"other-resources.json", nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			fs, errs := evalPlan(t, e, decodeFile(t, "../testdata/terraform/"+tc.file))
			if len(errs) > 0 {
				t.Fatalf("rule errors: %+v", errs)
			}
			if len(fs) == 0 {
				fs = nil
			}
			if !reflect.DeepEqual(fs, tc.want) {
				t.Errorf("findings\n got %+v\nwant %+v", fs, tc.want)
			}
		})
	}
}

package policies

import (
	"context"
	"reflect"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// The capacity lib rule gives MIG001's figures as data, with its headroom
// setting and its spec-table fallback.
func TestCapacity(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		settings []Setting
		patch    func(doc map[string]any)
		want     *report.Capacity
	}{
		{"healthy", nil, nil, &report.Capacity{PeakRPS: 800, NeededRPS: 1260, ExistingRPS: 300, LimitRPS: 2500, Spec: "api.s1.small"}},
		{"headroom setting", []Setting{{Rule: "MIG001", Key: "rpsHeadroom", Value: 0.5}}, nil,
			&report.Capacity{PeakRPS: 800, NeededRPS: 1500, ExistingRPS: 300, LimitRPS: 2500, Spec: "api.s1.small"}},
		{"spec table fallback", nil, func(doc map[string]any) {
			d := doc["destination"].(map[string]any)
			d["InstanceRpsLimit"] = 0
			d["InstanceSpec"] = "api.s2.large"
		}, &report.Capacity{PeakRPS: 800, NeededRPS: 1260, ExistingRPS: 300, LimitRPS: 10000, Spec: "api.s2.large"}},
		{"no load", nil, func(doc map[string]any) { delete(doc, "destinationLoad") },
			&report.Capacity{PeakRPS: 800, NeededRPS: 960, ExistingRPS: 0, LimitRPS: 2500, Spec: "api.s1.small"}},
		{"no traffic", nil, func(doc map[string]any) { delete(doc, "traffic") }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(ctx, Options{Settings: tc.settings})
			if err != nil {
				t.Fatal(err)
			}
			doc := decodeFile(t, "../testdata/snapshots/healthy.json")
			if tc.patch != nil {
				tc.patch(doc)
			}
			v, err := InputValue(doc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Capacity(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("capacity %+v, want %+v", got, tc.want)
			}
		})
	}
}

// MIG017 is a fleet rule: described from its METADATA, evaluated once per
// audit, never among the snapshot or plan rules.
func TestFleetRules(t *testing.T) {
	e := newTestEngine(t, nil)
	fleet := e.FleetRules()
	if len(fleet) != 1 || fleet[0].ID != "MIG017" || fleet[0].Name != "plan-capacity" || fleet[0].Severity != report.SeverityError ||
		fleet[0].Package != "data.apigw.fleet.plan_capacity" {
		t.Fatalf("fleet rules %+v, want MIG017 plan-capacity alone", fleet)
	}
	for _, r := range append(e.Rules(), e.PlanRules()...) {
		if r.ID == "MIG017" {
			t.Error("MIG017 is among the snapshot or plan rules")
		}
	}
	fs, errs := evalFleet(t, e, decodeFile(t, "rules/plan_capacity/testdata/MIG017-two-groups-exceed.json"))
	if len(errs) > 0 {
		t.Fatalf("rule errors: %+v", errs)
	}
	want := []report.Finding{{
		RuleID: "MIG017", RuleName: "plan-capacity", Severity: report.SeverityError,
		Message: "2 groups are planned onto apigateway-hz-ab12cd34ef56 (api.s1.small) and need 2,580 RPS together but it allows 2,500: " +
			"orders (g1) 1,200, billing (g2) 1,080 RPS with 20% headroom, plus 300 RPS already on it; the smallest specification that fits them all is api.s1.medium (5,000 RPS)",
		Remediation: "Upgrade apigateway-hz-ab12cd34ef56 to api.s1.medium (5,000 RPS) before migrating the groups " +
			"(`aliyun cloudapi ModifyInstanceSpec --InstanceId apigateway-hz-ab12cd34ef56 --InstanceSpec api.s1.medium`), or plan some of them onto another instance.",
		Resource: report.Resource{Kind: "instance", ID: "apigateway-hz-ab12cd34ef56", Name: "orders-dedicated"},
		Key:      "apigateway-hz-ab12cd34ef56",
	}}
	if !reflect.DeepEqual(fs, want) {
		t.Errorf("findings\n got %+v\nwant %+v", fs, want)
	}
}

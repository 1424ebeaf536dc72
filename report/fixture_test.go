package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// update rewrites the golden files under testdata instead of comparing with
// them: go test ./report/ -update. Every format's golden test uses it.
var update = flag.Bool("update", false, "rewrite golden files in testdata")

// compareGolden compares got with testdata/<name>, or writes it there when
// -update is given.
func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./report/ -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./report/ -update and review the diff\n--- got ---\n%s", path, got)
	}
}

// Resource IDs used by the fixture.
const (
	fxOrdersGroup   = "523e8dc7bbe04613b5b1d726c2a7889d"
	fxPaymentsGroup = "9f86d081884c4d8a9b0f1e2d3c4b5a69"
	fxSource        = "apigateway-hz-1a2b3c4d5e6f"
	fxDestOrders    = "apigateway-hz-ab12cd34ef56"
	fxDestPayments  = "apigateway-hz-77aa88bb99cc"
)

// fixtureResult is a hand-built Result shared by the golden tests of every
// format. It has two migrations: orders, with findings of each severity
// (two of one rule, one carrying an engine-set fingerprint, one without a
// line) and a rule that could not be evaluated; and payments, clean. The
// gate is --fail-on error and the exit code is 1 (a rule error). orders also
// has an undecided ("could not check") warning of an error rule; payments
// has only the tool finding AGP001 (snapshot-stale). Each call
// returns a fresh value, so tests may change it.
func fixtureResult() *Result {
	collected := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	evaluated := []string{"AGP001", "MIG001", "MIG003", "MIG004", "MIG011", "MIG013", "MIG015"}
	return &Result{
		Tool: Tool{
			Name:           "apigw-preflight",
			Version:        "0.4.0",
			InformationURI: "https://github.com/apigw-preflight/apigw-preflight",
		},
		Rules: []Rule{
			{
				ID:          "AGP001",
				Name:        "snapshot-stale",
				Title:       "Snapshot is recent enough to decide on",
				Description: "Once a snapshot is older than the maximum age the cloud may have changed.",
				Severity:    SeverityWarning,
				Remediation: "Collect the snapshot again and check the new one.",
				Tags:        []string{"tool", "freshness"},
			},
			{
				ID:          "MIG001",
				Name:        "rps-capacity",
				Title:       "Destination instance has the capacity for the group's peak traffic",
				Description: "The RPS the group needs (peak x (1 + headroom) + the destination's own load) must fit within the destination instance's RPS limit.",
				Severity:    SeverityError,
				Remediation: "Upgrade the destination to the smallest spec that fits with ModifyInstanceSpec (console: API Gateway > Instances > Upgrade), or pick a larger instance.",
				HelpURI:     "https://github.com/apigw-preflight/apigw-preflight/blob/main/docs/rules/MIG001.md",
				Tags:        []string{"capacity", "reliability"},
				Package:     "data.apigw.rules.rps_capacity",
			},
			{
				ID:          "MIG003",
				Name:        "https-policy",
				Title:       "Destination HTTPS security policy accepts the group's clients",
				Description: "After the move the destination instance's HTTPS security policy applies to the group's custom domains; a policy that drops a TLS version breaks the clients that use it.",
				Severity:    SeverityError,
				Remediation: "Set the destination's HTTPS policy to one that accepts the same TLS versions with ModifyInstanceAttribute (HttpsPolicy), or move the group to an instance that has it.",
				HelpURI:     "https://github.com/apigw-preflight/apigw-preflight/blob/main/docs/rules/MIG003.md",
				Tags:        []string{"security", "tls"},
				Package:     "data.apigw.rules.https_policy",
			},
			{
				ID:               "MIG004",
				Name:             "egress-allowlist",
				Title:            "Backends allow the destination's outbound addresses",
				Description:      "The outbound IP changes with the instance; every backend that filters callers by address must allow the addresses the destination sends from.",
				Severity:         SeverityError,
				Remediation:      "Add the destination's egress addresses to each backend's allowlist (security group, SLB access control or firewall) before migrating.",
				HelpURI:          "https://github.com/apigw-preflight/apigw-preflight/blob/main/docs/rules/MIG004.md",
				Tags:             []string{"network", "security"},
				SecuritySeverity: "7.5",
				Package:          "data.apigw.rules.egress_allowlist",
			},
			{
				ID:          "MIG011",
				Name:        "destination-ready",
				Title:       "Destination instance is running and not about to expire",
				Description: "The destination must be RUNNING and must not expire within 30 days of the snapshot.",
				Severity:    SeverityError,
				Remediation: "Wait for the instance to reach RUNNING or renew it with RenewInstance before migrating.",
				HelpURI:     "https://github.com/apigw-preflight/apigw-preflight/blob/main/docs/rules/MIG011.md",
				Package:     "data.apigw.rules.destination_ready",
			},
			{
				ID:          "MIG013",
				Name:        "source-drain",
				Title:       "Source instance keeps receiving traffic after the switch",
				Description: "Clients keep reaching a dedicated source instance for 1 to 10 minutes after the switch because of DNS caching.",
				Severity:    SeverityNote,
				Remediation: "Do not release or downsize the source instance until its traffic has drained (watch its RPS in CloudMonitor for 10 minutes).",
				HelpURI:     "https://github.com/apigw-preflight/apigw-preflight/blob/main/docs/rules/MIG013.md",
				Tags:        []string{"operations"},
				Package:     "data.apigw.rules.source_drain",
			},
			{
				ID:          "MIG015",
				Name:        "data-unavailable",
				Title:       "All data the rules need was collected",
				Description: "A cloud call failed while collecting the snapshot, so some rules could not decide.",
				Severity:    SeverityWarning,
				Remediation: "Grant the missing read permission to the collecting RAM identity and collect the snapshot again.",
				HelpURI:     "https://github.com/apigw-preflight/apigw-preflight/blob/main/docs/rules/MIG015.md",
				Package:     "data.apigw.rules.data_unavailable",
			},
		},
		FailOn: Threshold{min: SeverityError},
		Migrations: []Migration{
			{
				Input:       "/src/infra/snapshots/orders.json",
				GroupID:     fxOrdersGroup,
				GroupName:   "orders",
				RegionID:    "cn-hangzhou",
				Source:      fxSource,
				Destination: fxDestOrders,
				CollectedAt: collected,
				Findings: []Finding{
					{
						RuleID:      "MIG001",
						RuleName:    "rps-capacity",
						Severity:    SeverityError,
						Message:     "group orders peaks at 3,100 RPS but " + fxDestOrders + " (api.s1.small) allows 2,500",
						Remediation: "upgrade " + fxDestOrders + " to api.s1.medium (5,000 RPS) with ModifyInstanceSpec before migrating",
						Resource:    Resource{Kind: "instance", ID: fxDestOrders, Name: "orders-dedicated"},
						Path:        []string{"destination", "InstanceRpsLimit"},
						Line:        58,
					},
					{
						RuleID:      "MIG004",
						RuleName:    "egress-allowlist",
						Severity:    SeverityError,
						Message:     "backend 47.97.3.3:80 of API GetOrder allows 47.96.0.0/16 but not the destination's egress address 47.98.7.7",
						Remediation: "add 47.98.7.7 to the allowlist of 47.97.3.3 (its firewall or SLB access control list), then re-run the check",
						Resource:    Resource{Kind: "backend", ID: "3b81fd160f5645e097cc8855d75a1cf6", Name: "GetOrder"},
						Path:        []string{"backends", "0", "allowlist"},
						Line:        80,
						Key:         "47.97.3.3",
					},
					{
						RuleID:      "MIG004",
						RuleName:    "egress-allowlist",
						Severity:    SeverityError,
						Message:     "backend 10.0.1.8:8080 of API CreateOrder allows 10.0.0.0/24 but not the destination's VPC egress 100.104.254.0/26",
						Remediation: "add 100.104.254.0/26 to the inbound rules of the security group that guards 10.0.1.8 (AuthorizeSecurityGroup), then re-run the check",
						Resource:    Resource{Kind: "backend", ID: "5c0f3e2a9b7d4e18a6c1b2d3e4f50617", Name: "CreateOrder"},
						Path:        []string{"backends", "1", "allowlist"},
						Line:        96,
						Key:         "10.0.1.8",
						Fingerprint: "e3a1c0de5f1b2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4",
					},
					{
						RuleID:      "MIG003",
						RuleName:    "https-policy",
						Severity:    SeverityWarning,
						Message:     "api.orders.example.com moves from HTTPS2_TLS1_0 (HTTP/2) to HTTPS1_1_TLS1_0 (HTTP/1.1 only) on " + fxDestOrders,
						Remediation: "check that no client depends on HTTP/2, or set the destination's policy to HTTPS2_TLS1_0 with ModifyInstanceAttribute",
						Resource:    Resource{Kind: "group", ID: fxOrdersGroup, Name: "orders"},
						Path:        []string{"group", "HttpsPolicy"},
						Line:        13,
						Key:         "api.orders.example.com",
					},
					{
						RuleID:      "MIG004",
						RuleName:    "egress-allowlist",
						Severity:    SeverityWarning,
						Message:     "could not check backend #host#:8080 (API ListOrders): its address is unresolved (stage variables), so the allowlist for the destination's egress cannot be decided",
						Remediation: "resolve the backend address of API ListOrders for every stage and make sure it allows 47.98.7.7",
						Resource:    Resource{Kind: "backend", ID: "9a8b7c6d5e4f40312a1b0c9d8e7f6a5b", Name: "ListOrders"},
						Path:        []string{"backends", "2", "address"},
						Line:        104,
						Key:         "#host#",
						Undecided:   true,
					},
					{
						RuleID:      "MIG013",
						RuleName:    "source-drain",
						Severity:    SeverityNote,
						Message:     "clients keep reaching " + fxSource + " for up to 10 minutes after the switch",
						Remediation: "keep " + fxSource + " running until its RPS in CloudMonitor has dropped to zero.",
						Resource:    Resource{Kind: "instance", ID: fxSource},
					},
				},
				Evaluated: evaluated,
				Elapsed:   12 * time.Millisecond,
				Errors: []RuleError{{
					RuleID:  "MIG011",
					Message: "policies/rules/destination_ready/rule.rego:31: eval_conflict_error: functions must not produce multiple outputs for same inputs",
				}},
			},
			{
				Input:       "snapshots/payments.json",
				GroupID:     fxPaymentsGroup,
				GroupName:   "payments",
				RegionID:    "cn-hangzhou",
				Source:      fxSource,
				Destination: fxDestPayments,
				CollectedAt: collected,
				Findings: []Finding{{
					RuleID:      "AGP001",
					RuleName:    "snapshot-stale",
					Severity:    SeverityWarning,
					Message:     "The snapshot was collected at 2026-11-20T08:00:00Z, 11 days before 2026-12-01T08:00:00Z, which is more than the maximum age of 7 days, so the cloud state it shows may have changed.",
					Remediation: "Collect the snapshot again and check the new one.",
					Resource:    Resource{Kind: "group", ID: fxPaymentsGroup, Name: "payments"},
					Path:        []string{"collectedAt"},
					Line:        3,
					Key:         "snapshot-age",
				}},
				Evaluated: evaluated,
				Elapsed:   3 * time.Millisecond,
			},
		},
		ExitCode:    1,
		WorkDir:     "/src/infra",
		EvaluatedAt: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC),
	}
}

// planResult is a Result of one Terraform plan: MIG016 fires on one group
// whose instance_id change replaces it.
func planResult() *Result {
	return &Result{
		Tool: Tool{Name: "apigw-preflight", Version: "0.4.0", InformationURI: "https://github.com/apigw-preflight/apigw-preflight"},
		Rules: []Rule{{
			ID:          "MIG016",
			Name:        "terraform-replace",
			Title:       "Terraform plan does not replace an API group to move it",
			Description: "alicloud_api_gateway_group.instance_id is ForceNew: changing it destroys and recreates the group.",
			Severity:    SeverityError,
			Remediation: "Move the group with ModifyApiGroupInstance (apigw-preflight run --migrate), then set instance_id to the new instance and refresh the state.",
			Tags:        []string{"terraform"},
			Package:     "data.apigw.terraform.terraform_replace",
		}},
		FailOn: Threshold{min: SeverityError},
		Migrations: []Migration{{
			Input: "terraform/plan.json",
			Kind:  KindTerraformPlan,
			Findings: []Finding{{
				RuleID:      "MIG016",
				RuleName:    "terraform-replace",
				Severity:    SeverityError,
				Message:     "The plan replaces alicloud_api_gateway_group.orders (group " + fxOrdersGroup + ") because instance_id changes from " + fxSource + " to " + fxDestOrders,
				Remediation: "Run apigw-preflight run --group " + fxOrdersGroup + " --to " + fxDestOrders + " --migrate, then terraform apply -refresh-only.",
				Resource:    Resource{Kind: "terraform-resource", ID: "alicloud_api_gateway_group.orders", Name: "orders"},
				Path:        []string{"resource_changes", "0", "change", "after", "instance_id"},
				Line:        27,
				Key:         fxOrdersGroup,
			}},
			Evaluated: []string{"MIG016"},
			Elapsed:   time.Millisecond,
		}},
		ExitCode:    3,
		WorkDir:     "/src/infra",
		EvaluatedAt: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC),
	}
}

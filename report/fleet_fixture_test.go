package report

import "time"

// Resource IDs of the fleet fixture beyond those of fixtureResult.
const (
	fxInventoryGroup = "0c1d2e3f4a5b46c7d8e9f0a1b2c3d4e5"
	fxSearchGroup    = "7e6d5c4b3a2940f8e7d6c5b4a3928170"
	fxBillingGroup   = "b1b2b3b4b5b64c7d8e9fa0a1a2a3a4a5"
	fxSourceShared   = "serverless-cn-hangzhou"
)

// fleetResult is the result of an audit: five groups moving off the shared
// (serverless) instance, onto two destinations. fxDestOrders (api.s1.small,
// 2,500 RPS, 400 in use) and fxDestPayments (api.s1.medium, 5,000 RPS,
// 1,200 in use). The first destination of each group is planned, the other
// a candidate:
//
//	orders    -> small: conditional (MIG003 warning); medium: ready, recommended
//	payments  -> small: blocked (MIG004); medium: ready (a note only), recommended
//	inventory -> medium: conditional (MIG015 undecided warning), recommended; small: blocked (MIG001)
//	search    -> medium: undecided (MIG011 not evaluated); small: undecided (MIG004 could not check)
//	billing   -> small: ready, recommended (no candidate)
//
// and the fleet's plan-wide finding MIG017: orders, payments and billing
// planned onto the small instance need 2,520 RPS besides its 400. Each call
// returns a fresh value.
func fleetResult() *Result {
	collected := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	evaluated := []string{"AGP001", "MIG001", "MIG003", "MIG004", "MIG011", "MIG013", "MIG015"}
	base := fixtureResult()
	rules := append(base.Rules, Rule{
		ID:          "MIG017",
		Name:        "plan-capacity",
		Title:       "The groups planned onto one destination fit it together",
		Description: "The peak RPS (with headroom) of every group planned onto one destination, plus its existing load, must fit the destination's limit.",
		Severity:    SeverityError,
		Remediation: "Upgrade the destination to the smallest spec that fits every group planned onto it, or plan some groups onto another instance.",
		HelpURI:     "https://github.com/apigw-preflight/apigw-preflight/blob/main/docs/rules/MIG017.md",
		Tags:        []string{"capacity", "plan"},
		Package:     "data.apigw.plan.plan_capacity",
	})
	small := func(peak float64) *Capacity {
		return &Capacity{PeakRPS: peak, NeededRPS: peak * 1.2, ExistingRPS: 400, LimitRPS: 2500, Spec: "api.s1.small"}
	}
	medium := func(peak float64) *Capacity {
		return &Capacity{PeakRPS: peak, NeededRPS: peak * 1.2, ExistingRPS: 1200, LimitRPS: 5000, Spec: "api.s1.medium"}
	}
	mig := func(group, name, dest string, candidate bool, c *Capacity, fs []Finding, errs []RuleError) Migration {
		for i := range fs {
			fs[i].Fingerprint = Fingerprint(group, dest, fs[i])
		}
		if fs == nil {
			fs = []Finding{}
		}
		return Migration{
			Input:       "audit/" + name + "." + dest + ".json",
			GroupID:     group,
			GroupName:   name,
			RegionID:    "cn-hangzhou",
			Source:      fxSourceShared,
			Destination: dest,
			CollectedAt: collected,
			Findings:    fs,
			Evaluated:   evaluated,
			Errors:      errs,
			Candidate:   candidate,
			Capacity:    c,
			Elapsed:     2 * time.Millisecond,
		}
	}
	drain := Finding{
		RuleID: "MIG013", RuleName: "source-drain", Severity: SeverityNote,
		Message:     "clients keep reaching " + fxSourceShared + " for up to 10 minutes after the switch",
		Remediation: "keep the group bound to " + fxSourceShared + " until its traffic has drained.",
		Resource:    Resource{Kind: "instance", ID: fxSourceShared},
	}
	return &Result{
		Tool:   base.Tool,
		Rules:  rules,
		FailOn: Threshold{min: SeverityError},
		Migrations: []Migration{
			mig(fxOrdersGroup, "orders", fxDestOrders, false, small(1000), []Finding{{
				RuleID: "MIG003", RuleName: "https-policy", Severity: SeverityWarning,
				Message:     "api.orders.example.com moves from HTTPS2_TLS1_0 (HTTP/2) to HTTPS1_1_TLS1_0 (HTTP/1.1 only) on " + fxDestOrders,
				Remediation: "check that no client depends on HTTP/2, or set the destination's policy to HTTPS2_TLS1_0 with ModifyInstanceAttribute",
				Resource:    Resource{Kind: "group", ID: fxOrdersGroup, Name: "orders"},
				Path:        []string{"group", "HttpsPolicy"}, Line: 13, Key: "api.orders.example.com",
			}}, nil),
			mig(fxOrdersGroup, "orders", fxDestPayments, true, medium(1000), nil, nil),
			mig(fxPaymentsGroup, "payments", fxDestOrders, false, small(800), []Finding{{
				RuleID: "MIG004", RuleName: "egress-allowlist", Severity: SeverityError,
				Message:     "backend 10.0.1.8:8080 of API Charge allows 10.0.0.0/24 but not the destination's VPC egress 100.104.254.0/26",
				Remediation: "add 100.104.254.0/26 to the inbound rules of the security group that guards 10.0.1.8 (AuthorizeSecurityGroup), then re-run the check",
				Resource:    Resource{Kind: "backend", ID: "5c0f3e2a9b7d4e18a6c1b2d3e4f50617", Name: "Charge"},
				Path:        []string{"backends", "0", "allowlist"}, Line: 71, Key: "10.0.1.8",
			}}, nil),
			mig(fxPaymentsGroup, "payments", fxDestPayments, true, medium(800), []Finding{drain}, nil),
			mig(fxInventoryGroup, "inventory", fxDestPayments, false, medium(3000), []Finding{{
				RuleID: "MIG015", RuleName: "data-unavailable", Severity: SeverityWarning,
				Message:     "could not check the group's traffic plan: DescribeApiTrafficControls was denied (Forbidden.RAM)",
				Remediation: "Grant apigateway:DescribeApiTrafficControls to the collecting RAM identity and collect the snapshot again.",
				Resource:    Resource{Kind: "group", ID: fxInventoryGroup, Name: "inventory"},
				Path:        []string{"collectionErrors", "0"}, Line: 9, Key: "DescribeApiTrafficControls",
				Undecided: true,
			}}, nil),
			mig(fxInventoryGroup, "inventory", fxDestOrders, true, small(3000), []Finding{{
				RuleID: "MIG001", RuleName: "rps-capacity", Severity: SeverityError,
				Message:     "group inventory needs 3,600 RPS (peak 3,000 + 20% headroom) but " + fxDestOrders + " (api.s1.small) has 2,100 of its 2,500 left",
				Remediation: "upgrade " + fxDestOrders + " to api.s1.medium (5,000 RPS) with ModifyInstanceSpec before migrating",
				Resource:    Resource{Kind: "instance", ID: fxDestOrders},
				Path:        []string{"destination", "InstanceRpsLimit"}, Line: 58,
			}}, nil),
			mig(fxSearchGroup, "search", fxDestPayments, false, medium(500), nil, []RuleError{{
				RuleID:  "MIG011",
				Message: "policies/rules/destination_ready/rule.rego:31: eval_conflict_error: functions must not produce multiple outputs for same inputs",
			}}),
			mig(fxSearchGroup, "search", fxDestOrders, true, small(500), []Finding{{
				RuleID: "MIG004", RuleName: "egress-allowlist", Severity: SeverityWarning,
				Message:     "could not check backend search.internal:9200 (API Query): its address did not resolve, so the allowlist for the destination's egress cannot be decided",
				Remediation: "make search.internal resolvable from the collecting machine, or give its allowlist in the configuration file",
				Resource:    Resource{Kind: "backend", ID: "e1f2a3b4c5d64e7f8091a2b3c4d5e6f7", Name: "Query"},
				Path:        []string{"backends", "0", "address"}, Line: 66, Key: "search.internal",
				Undecided: true,
			}}, nil),
			mig(fxBillingGroup, "billing <EU>", fxDestOrders, false, small(300), []Finding{drain}, nil),
			{
				Input: "plan.yaml",
				Kind:  KindFleet,
				Findings: []Finding{{
					RuleID: "MIG017", RuleName: "plan-capacity", Severity: SeverityError,
					Message:     "orders (1,200 RPS), payments (960 RPS) and billing <EU> (360 RPS) are planned onto " + fxDestOrders + " (api.s1.small): 2,520 RPS with its existing 400 is 2,920, over its limit of 2,500",
					Remediation: "upgrade " + fxDestOrders + " to api.s1.medium (5,000 RPS), the smallest specification that fits all three, or plan one of them onto " + fxDestPayments,
					Resource:    Resource{Kind: "instance", ID: fxDestOrders},
					Key:         fxDestOrders,
					Fingerprint: Fingerprint("", fxDestOrders, Finding{RuleID: "MIG017", Resource: Resource{Kind: "instance", ID: fxDestOrders}, Key: fxDestOrders}),
				}},
				Evaluated: []string{"MIG017"},
				Elapsed:   time.Millisecond,
			},
		},
		ExitCode:    1,
		WorkDir:     "/src/infra",
		EvaluatedAt: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC),
	}
}

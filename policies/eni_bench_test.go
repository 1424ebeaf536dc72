package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"
)

// manyPrivateBackends is the VPC integration healthy sample with n
// backends at distinct private addresses (10.0.1.0/24 and beyond), each
// checked against the security groups of both ENIs.
func manyPrivateBackends(tb testing.TB, n int) map[string]any {
	return privateBackends(tb, n, false)
}

// privateBackends is manyPrivateBackends; with accepted, the first egress
// rule of the sample's group accepts all of 10.0.0.0/8, so every backend
// passes (the cost of deciding, not of writing findings).
func privateBackends(tb testing.TB, n int, accepted bool) map[string]any {
	tb.Helper()
	raw, err := os.ReadFile("../testdata/snapshots/vpc-connect-healthy.json")
	if err != nil {
		tb.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		tb.Fatal(err)
	}
	doc["destination"].(map[string]any)["ConnectCidrBlocks"] = `["10.0.0.0/8"]`
	backends := make([]any, n)
	for i := range n {
		ip := fmt.Sprintf("10.0.%d.%d", 1+i/250, 1+i%250)
		backends[i] = map[string]any{
			"apiName": fmt.Sprintf("Api%04d", i), "stage": "RELEASE", "protocol": "HTTP",
			"address": "http://" + ip + ":8080", "host": ip, "port": 8080, "ips": []any{ip},
		}
	}
	doc["backends"] = backends
	if accepted {
		g := doc["eniSecurityGroups"].([]any)[0].(map[string]any)
		g["Permissions"].(map[string]any)["Permission"].([]any)[0].(map[string]any)["DestCidrIp"] = "10.0.0.0/8"
	}
	return doc
}

// TestManyPrivateBackendsEvaluate: the benchmark's input gives one MIG009
// finding per backend outside the accepted subnet (10.0.1.0/24 is accepted,
// the rest dropped by the catch-all rule), per ENI.
func TestManyPrivateBackendsEvaluate(t *testing.T) {
	e := newTestEngine(t, nil)
	fs, errs := eval(t, e, manyPrivateBackends(t, 300))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	n := 0
	for _, f := range fs {
		if f.RuleID == "MIG009" {
			n++
		}
	}
	// 300 backends: 250 in 10.0.1.0/24 accepted, 50 in 10.0.2.0/24
	// dropped, on each of the two ENIs.
	if n != 100 {
		t.Errorf("MIG009 findings = %d, want 100", n)
	}
}

// BenchmarkMIG009ManyBackends evaluates MIG009 alone on 500 and 2,000
// backends at distinct private addresses, nearly all denied on both ENIs
// (one finding each), and on 2,000 that all pass: the rule is linear in the
// backends.
func BenchmarkMIG009ManyBackends(b *testing.B) {
	ctx := context.Background()
	e, err := New(ctx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	idx := -1
	for i, r := range e.rules {
		if r.ID == "MIG009" {
			idx = i
		}
	}
	if idx < 0 {
		b.Fatal("no MIG009")
	}
	for _, tc := range []struct {
		n        int
		accepted bool
	}{{500, false}, {2000, false}, {2000, true}} {
		in, err := InputValue(privateBackends(b, tc.n, tc.accepted))
		if err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("backends=%d/denied", tc.n)
		if tc.accepted {
			name = fmt.Sprintf("backends=%d/accepted", tc.n)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.queries[idx].Eval(ctx, rego.EvalParsedInput(in)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// loadInputs reads the sample snapshots in testdata as engine inputs.
func loadInputs(tb testing.TB) []ast.Value {
	tb.Helper()
	var out []ast.Value
	for _, f := range sampleFiles(tb) {
		raw, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		v, err := InputValue(doc)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// BenchmarkEvaluateOne evaluates every rule on the healthy sample.
func BenchmarkEvaluateOne(b *testing.B) {
	ctx := context.Background()
	e, err := New(ctx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile("../testdata/snapshots/healthy.json")
	if err != nil {
		b.Fatal(err)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		b.Fatal(err)
	}
	in, _ := InputValue(doc)
	b.ReportAllocs()
	for b.Loop() {
		if _, errs, err := e.Evaluate(ctx, in); err != nil || len(errs) > 0 {
			b.Fatal(err, errs)
		}
	}
}

// BenchmarkEvaluateBatch evaluates every sample snapshot (healthy and
// firing) per iteration; ns/op divided by the batch size is the cost of one.
func BenchmarkEvaluateBatch(b *testing.B) {
	ctx := context.Background()
	e, err := New(ctx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	inputs := loadInputs(b)
	benchEvaluateAll(b, e, inputs)
}

// BenchmarkNewEngine is the one-off cost: parse, compile, prepare.
func BenchmarkNewEngine(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(ctx, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateBatchPerRule is BenchmarkEvaluateBatch through the
// per-rule queries only, the path the engine takes when the combined query
// fails; it measures the choice of the combined query as the normal path.
func BenchmarkEvaluateBatchPerRule(b *testing.B) {
	ctx := context.Background()
	e, err := New(ctx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	inputs := loadInputs(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range inputs {
			if _, errs, err := e.evaluateEach(ctx, in); err != nil || len(errs) > 0 {
				b.Fatal(err, errs)
			}
		}
	}
	b.ReportMetric(float64(len(inputs)), "snapshots/op")
}

// BenchmarkRule evaluates one rule's query on every sample snapshot per
// iteration, to find the rules that cost most.
func BenchmarkRule(b *testing.B) {
	ctx := context.Background()
	e, err := New(ctx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	inputs := loadInputs(b)
	for i, r := range e.rules {
		b.Run(r.ID+"-"+r.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, in := range inputs {
					if _, err := e.queries[i].Eval(ctx, rego.EvalParsedInput(in)); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// sampleDoc decodes a shared sample snapshot as the loader does.
func sampleDoc(tb testing.TB, name string) map[string]any {
	tb.Helper()
	raw, err := os.ReadFile("../testdata/snapshots/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		tb.Fatal(err)
	}
	return doc
}

// copiedBackends is the VPC-integration sample with its backends repeated
// until there are n of them: identical objects, as a group whose APIs share
// a few hosts has.
func copiedBackends(tb testing.TB, n int) ast.Value {
	tb.Helper()
	doc := sampleDoc(tb, "vpc-connect-healthy.json")
	sample := doc["backends"].([]any)
	backends := make([]any, n)
	for i := range backends {
		backends[i] = sample[i%len(sample)]
	}
	doc["backends"] = backends
	v, err := InputValue(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// distinctBackends is the VPC-integration sample with n backends at
// distinct addresses: a third private inside the connected VPC (reached
// through the ENI, allowed), a third private outside it, a third public
// with an allowlist that misses the Internet egress address, so that every
// route and both kinds of finding are exercised.
func distinctBackends(tb testing.TB, n int) ast.Value {
	tb.Helper()
	doc := sampleDoc(tb, "vpc-connect-healthy.json")
	backends := make([]any, n)
	for i := range backends {
		a, b := (i/250)%250+1, i%250+1
		var host string
		allow := []any{"10.0.200.0/24", "10.0.201.0/24"}
		switch i % 3 {
		case 0:
			host = fmt.Sprintf("10.0.%d.%d", a, b)
		case 1:
			host = fmt.Sprintf("192.168.%d.%d", a, b)
		default:
			host = fmt.Sprintf("47.%d.%d.%d", 100+i/62500, a, b)
			allow = []any{fmt.Sprintf("47.%d.%d.0/24", 100+i/62500, a)}
		}
		backends[i] = map[string]any{
			"apiId":     fmt.Sprintf("%032x", i),
			"apiName":   fmt.Sprintf("Api%d", i),
			"stage":     "RELEASE",
			"protocol":  "HTTP",
			"address":   fmt.Sprintf("http://%s:%d", host, 8000+i%1000),
			"host":      host,
			"port":      json.Number(fmt.Sprint(8000 + i%1000)),
			"ips":       []any{host},
			"allowlist": allow,
		}
	}
	doc["backends"] = backends
	v, err := InputValue(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// BenchmarkEvaluateBackends evaluates every rule on one snapshot with many
// backends: copies of the sample's backends, and backends at distinct
// addresses; ns/op over the backend count shows whether the cost is linear.
func BenchmarkEvaluateBackends(b *testing.B) {
	ctx := context.Background()
	e, err := New(ctx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name string
		in   func(testing.TB, int) ast.Value
		n    int
	}{
		{"copies-20000", copiedBackends, 20000},
		{"distinct-500", distinctBackends, 500},
		{"distinct-1000", distinctBackends, 1000},
		{"distinct-2000", distinctBackends, 2000},
	}
	for _, c := range cases {
		in := c.in(b, c.n)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, errs, err := e.Evaluate(ctx, in); err != nil || len(errs) > 0 {
					b.Fatal(err, errs)
				}
			}
		})
	}
}

// BenchmarkRuleBackends is BenchmarkRule on the 2,000 distinct backends.
func BenchmarkRuleBackends(b *testing.B) {
	ctx := context.Background()
	e, err := New(ctx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	in := distinctBackends(b, 2000)
	for i, r := range e.rules {
		b.Run(r.ID+"-"+r.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.queries[i].Eval(ctx, rego.EvalParsedInput(in)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// firstWave lists the snapshot rules of the first release, MIG001-MIG015.
var firstWave = []string{"MIG001", "MIG002", "MIG003", "MIG004", "MIG005", "MIG006", "MIG007", "MIG008",
	"MIG009", "MIG010", "MIG011", "MIG012", "MIG013", "MIG014", "MIG015"}

// BenchmarkEvaluateFirstWave is BenchmarkEvaluateBatch with only the first
// release's rules, on the shared samples and those rules' firing samples:
// the like-for-like figure for a pack that has since grown (ns/op divided by
// snapshots/op against an older build's BenchmarkEvaluateBatch).
func BenchmarkEvaluateFirstWave(b *testing.B) {
	ctx := context.Background()
	e, err := New(ctx, Options{Only: firstWave})
	if err != nil {
		b.Fatal(err)
	}
	dirs := map[string]bool{}
	for _, r := range e.Rules() {
		dirs[r.Package[strings.LastIndex(r.Package, ".")+1:]] = true
	}
	var inputs []ast.Value
	all := loadInputs(b)
	for i, f := range sampleFiles(b) {
		if strings.HasPrefix(f, "../testdata/") || dirs[filepath.Base(filepath.Dir(filepath.Dir(f)))] {
			inputs = append(inputs, all[i])
		}
	}
	benchEvaluateAll(b, e, inputs)
}

// benchEvaluateAll evaluates every input per iteration and reports the
// batch size; ns/op divided by snapshots/op is the cost of one.
func benchEvaluateAll(b *testing.B, e *Engine, inputs []ast.Value) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range inputs {
			if _, errs, err := e.Evaluate(ctx, in); err != nil || len(errs) > 0 {
				b.Fatal(err, errs)
			}
		}
	}
	b.ReportMetric(float64(len(inputs)), "snapshots/op")
}

package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
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
	b.ReportMetric(float64(len(inputs)), "snapshots/op")
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range inputs {
			if _, errs, err := e.Evaluate(ctx, in); err != nil || len(errs) > 0 {
				b.Fatal(err, errs)
			}
		}
	}
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
	b.ReportMetric(float64(len(inputs)), "snapshots/op")
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range inputs {
			if _, errs, err := e.evaluateEach(ctx, in); err != nil || len(errs) > 0 {
				b.Fatal(err, errs)
			}
		}
	}
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

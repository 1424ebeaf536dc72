package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// loadInputs reads the sample snapshots in testdata as engine inputs.
func loadInputs(tb testing.TB) []ast.Value {
	tb.Helper()
	files, _ := filepath.Glob("../testdata/snapshots/*.json")
	more, _ := filepath.Glob("../testdata/snapshots/firing/*.json")
	files = append(files, more...)
	if len(files) == 0 {
		tb.Fatal("no sample snapshots in ../testdata/snapshots")
	}
	var out []ast.Value
	for _, f := range files {
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

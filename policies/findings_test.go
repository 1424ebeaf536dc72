package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// findingsGolden holds the whole finding set of every sample snapshot and
// of the many-backend inputs of the benchmarks, so that a change made for
// speed is seen to change no finding. Refresh it with -update only where a
// change is meant to change findings.
const findingsGolden = "testdata/findings.golden.json"

// TestFindingsGolden: the findings of every sample (shared, firing) and of
// 150 copied and 150 distinct backends are exactly those recorded.
func TestFindingsGolden(t *testing.T) {
	ctx := context.Background()
	e := newTestEngine(t, nil)
	inputs := map[string]ast.Value{
		"copies-150":   copiedBackends(t, 150),
		"distinct-150": distinctBackends(t, 150),
	}
	for _, f := range sampleFiles(t) {
		v, err := InputValue(decodeFile(t, f))
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.ToSlash(f)] = v
	}
	got := map[string][]report.Finding{}
	for name, in := range inputs {
		fs, errs, err := e.Evaluate(ctx, in)
		if err != nil || len(errs) > 0 {
			t.Fatalf("%s: %v %+v", name, err, errs)
		}
		got[name] = fs
	}
	raw, err := json.MarshalIndent(got, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	raw = append(raw, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(findingsGolden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(findingsGolden, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(findingsGolden)
	if err != nil {
		t.Fatalf("%v (create it with go test ./policies/ -run TestFindingsGolden -update)", err)
	}
	if !bytes.Equal(raw, want) {
		var w map[string][]report.Finding
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		for name, fs := range got {
			a, _ := json.Marshal(fs)
			b, _ := json.Marshal(w[name])
			if !bytes.Equal(a, b) {
				t.Errorf("%s: findings differ from %s:\ngot  %s\nwant %s", name, findingsGolden, a, b)
			}
		}
		for name := range w {
			if _, ok := got[name]; !ok {
				t.Errorf("%s is in %s but was not evaluated", name, findingsGolden)
			}
		}
	}
}

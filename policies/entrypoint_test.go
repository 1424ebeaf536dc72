package policies

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/apigw-preflight/apigw-preflight/report"
)

func sampleInput(t *testing.T, file string) ast.Value {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	v, err := InputValue(doc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestEntrypointEqualsPerRuleDecoding: on every sample, with the built-in
// and the example organisation rules and with settings, the findings of
// data.apigw.findings (stamped in Rego) are the findings the per-rule
// queries give when Go stamps them, and the entrypoint is the path taken.
func TestEntrypointEqualsPerRuleDecoding(t *testing.T) {
	pack, err := LoadPack([]string{"../testdata/policies/acme", "../testdata/policies/conftest"}, []string{"../testdata/policies/data"})
	if err != nil {
		t.Fatal(err)
	}
	for name, opts := range map[string]Options{
		"defaults": {},
		"settings": {Settings: []Setting{
			{Rule: "MIG011", Key: "severity", Value: "note", Where: "t", Layer: "f"},
			{Rule: "MIG001", Key: "severity", Value: "warning", Where: "t", Layer: "f"},
			{Rule: "MIG013", Key: "enabled", Value: false, Where: "t", Layer: "f"},
			{Rule: "MIG001", Key: "rpsHeadroom", Value: 3.0, Where: "t", Layer: "f"},
		}},
		"org": {Packs: pack.Sources, Data: pack.Data, Settings: []Setting{
			{Rule: "ACME001", Key: "allowShared", Value: false, Where: "t", Layer: "f"},
			{Rule: DerivedID("data.main"), Key: "severity", Value: "note", Where: "t", Layer: "f"},
		}},
	} {
		t.Run(name, func(t *testing.T) {
			e, err := New(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if gen := e.GeneratedModules(); gen[EntrypointFile] != e.EntrypointModule() || (name == "org") != (len(gen) == 2) {
				t.Errorf("generated modules: %d files", len(gen))
			}
			total := 0
			for _, file := range append(sampleFiles(t), "../testdata/snapshots/healthy.json") {
				in := sampleInput(t, file)
				fast, ok := e.evaluateAll(context.Background(), in)
				if !ok {
					t.Fatalf("%s: the entrypoint failed; the engine fell back to the per-rule queries", file)
				}
				each, errs, err := e.evaluateEach(context.Background(), in)
				if err != nil || len(errs) > 0 {
					t.Fatalf("%s: per rule: %v %v", file, err, errs)
				}
				if len(fast) == 0 {
					fast = []report.Finding{}
				}
				if len(each) == 0 {
					each = []report.Finding{}
				}
				if !reflect.DeepEqual(fast, each) {
					t.Errorf("%s:\nentrypoint %+v\nper rule   %+v", filepath.Base(file), fast, each)
				}
				total += len(fast)
			}
			if total == 0 {
				t.Error("no findings on any sample")
			}
		})
	}
}

// TestEntrypointReadsSettingsAtEvaluation: the settings are data at
// data.apigw_settings, read when the entrypoint is evaluated, so a policy
// server can change them without a new bundle.
func TestEntrypointReadsSettingsAtEvaluation(t *testing.T) {
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.EntrypointModule(), "package apigw\n") || !strings.Contains(e.EntrypointModule(), `"MIG001": {`) {
		t.Fatalf("entrypoint module:\n%s", e.EntrypointModule())
	}
	mods, err := LoadModules(Builtin, false)
	if err != nil {
		t.Fatal(err)
	}
	if mods[EntrypointFile], err = ParseModule(EntrypointFile, e.EntrypointModule()); err != nil {
		t.Fatal(err)
	}
	comp, err := Compile(mods)
	if err != nil {
		t.Fatal(err)
	}
	in := sampleInput(t, "rules/rps_capacity/testdata/MIG001-peak-over-limit.json")
	eval := func(settings map[string]any) map[string]string {
		t.Helper()
		rs, err := rego.New(rego.Compiler(comp), rego.Store(storeFor(settings, nil)), rego.Query(EntrypointRef), rego.ParsedInput(in)).Eval(context.Background())
		if err != nil || len(rs) != 1 {
			t.Fatalf("eval: %v %v", rs, err)
		}
		out := map[string]string{}
		for _, f := range rs[0].Expressions[0].Value.([]any) {
			m := f.(map[string]any)
			out[m["ruleId"].(string)] = m["severity"].(string)
		}
		return out
	}
	if got := eval(e.SettingsDocument()); got["MIG001"] != "error" {
		t.Fatalf("defaults: MIG001 at %q, want error (%v)", got["MIG001"], got)
	}
	if got := eval(map[string]any{"rules": map[string]any{"MIG001": map[string]any{"severity": "note"}}}); got["MIG001"] != "note" {
		t.Errorf("severity note: MIG001 at %q", got["MIG001"])
	}
	if got := eval(map[string]any{"rules": map[string]any{"MIG001": map[string]any{"enabled": false}}}); got["MIG001"] != "" {
		t.Errorf("disabled: MIG001 at %q", got["MIG001"])
	}
	if got := eval(map[string]any{"params": map[string]any{"MIG001": map[string]any{"rpsHeadroom": 0.0}}}); got["MIG001"] != "error" {
		t.Errorf("rpsHeadroom 0 still over the limit: %v", got)
	}
}

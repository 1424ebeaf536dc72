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
// data.apigw.findings (stamped in Rego, what an OPA server serves) are the
// findings the engine's combined query gives (stamped in Go, the path
// taken) and those of the per-rule queries.
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
					t.Fatalf("%s: the combined query failed; the engine fell back to the per-rule queries", file)
				}
				entry, ok := e.evaluateEntrypoint(context.Background(), in)
				if !ok {
					t.Fatalf("%s: %s failed or gave a finding the engine cannot read", file, EntrypointRef)
				}
				if len(entry) == 0 {
					entry = []report.Finding{}
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
					t.Errorf("%s:\ncombined %+v\nper rule %+v", filepath.Base(file), fast, each)
				}
				if !reflect.DeepEqual(entry, each) {
					t.Errorf("%s:\nentrypoint %+v\nper rule   %+v", filepath.Base(file), entry, each)
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

// TestDirectDecodingEqualsJSONDecoding: the combined query's findings sets
// read without the JSON round trip (appendFindings) are those
// decodeFindings reads, on every sample for every rule; on sets of another
// shape the direct reading either agrees or steps aside (and never when
// decodeFindings refuses the set).
func TestDirectDecodingEqualsJSONDecoding(t *testing.T) {
	ctx := context.Background()
	e, err := New(ctx, Options{Settings: []Setting{{Rule: "MIG011", Key: "severity", Value: "note", Where: "t", Layer: "f"}}})
	if err != nil {
		t.Fatal(err)
	}
	direct := 0
	for _, file := range sampleFiles(t) {
		rs, err := e.all.Eval(ctx, rego.EvalParsedInput(sampleInput(t, file)))
		if err != nil || len(rs) != 1 {
			t.Fatalf("%s: %v", file, err)
		}
		for i, set := range rs[0].Bindings["x"].([]any) {
			got, ok := e.appendFindings(nil, i, set)
			if !ok {
				t.Fatalf("%s: rule %s: the direct reading stepped aside on a built-in rule's findings", file, e.rules[i].ID)
			}
			want, err := e.decodeFindings(i, set)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				got = []report.Finding{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: rule %s:\ndirect %+v\njson   %+v", file, e.rules[i].ID, got, want)
			}
			direct += len(got)
		}
	}
	if direct == 0 {
		t.Fatal("no findings on any sample")
	}
	odd := []any{
		[]any{map[string]any{"message": " m ", "key": json.Number("12"), "path": []any{"a", json.Number("0"), true}, "resource": map[string]any{"kind": "backend", "id": "x"}}},
		[]any{map[string]any{"message": "m", "severity": "warning", "undecided": false, "waivable": false}},
		[]any{map[string]any{"message": "could not check x"}},
		[]any{map[string]any{"Message": "m"}},
		[]any{map[string]any{"message": "m", "key": nil}},
		[]any{map[string]any{"message": "m", "path": nil}},
		[]any{map[string]any{"message": "m", "resource": nil}},
		[]any{map[string]any{"message": "m", "key": map[string]any{"a": "b"}}},
		[]any{map[string]any{"message": "m", "resource": map[string]any{"kind": json.Number("1")}}},
		[]any{map[string]any{"message": "m", "severity": "fatal"}},
		[]any{map[string]any{"message": "m", "undecided": "yes"}},
		[]any{map[string]any{"message": ""}},
		[]any{map[string]any{"message": json.Number("3")}},
		[]any{"not an object"},
		"not a set",
	}
	for n, set := range odd {
		got, ok := e.appendFindings([]report.Finding{{RuleID: "KEEP"}}, 0, set)
		want, err := e.decodeFindings(0, set)
		switch {
		case err != nil && ok:
			t.Errorf("odd set %d: decodeFindings refuses it (%v), the direct reading took it: %+v", n, err, got)
		case !ok && (len(got) != 1 || got[0].RuleID != "KEEP"):
			t.Errorf("odd set %d: stepping aside changed the findings: %+v", n, got)
		case ok && !reflect.DeepEqual(got[1:], want):
			t.Errorf("odd set %d:\ndirect %+v\njson   %+v", n, got[1:], want)
		}
	}
}

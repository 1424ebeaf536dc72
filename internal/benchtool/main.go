// Command benchtool is the Go half of scripts/bench-compare.sh (make
// bench-compare): it generates sample-shaped snapshots, evaluates them with
// a bare OPA prepared query (the floor the engine is compared with), and
// reads the finding counts of the check and conftest reports so the script
// can check that they agree.
//
//	benchtool gen -n N -o DIR -data FILE   N snapshots in DIR, conftest's data in FILE
//	benchtool floor -jobs J DIR            parse + evaluate every *.json in DIR; prints "errors warnings"
//	benchtool count-check FILE             the check JSON report's "errors warnings"
//	benchtool count-conftest FILE          conftest's JSON output's "errors warnings"
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/apigw-preflight/apigw-preflight/cloud/calls"
	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: benchtool gen|floor|count-check|count-conftest ...")
	}
	var err error
	switch args := os.Args[2:]; os.Args[1] {
	case "gen":
		err = gen(args)
	case "floor":
		err = floor(args)
	case "count-check":
		err = countCheck(args)
	case "count-conftest":
		err = countConftest(args)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "benchtool:", msg)
	os.Exit(1)
}

// flag returns the value after name in args, or def.
func flag(args []string, name, def string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return def
}

// templates are the samples the snapshots are made from: the two healthy
// ones most of the time, a firing sample of each snapshot rule for the rest.
func templates() (healthy, firing []map[string]any, err error) {
	load := func(pattern string) ([]map[string]any, error) {
		files, _ := filepath.Glob(pattern)
		slices.Sort(files)
		var out []map[string]any
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if _, ok := doc["schemaVersion"]; ok { // not a Terraform plan
				out = append(out, doc)
			}
		}
		return out, nil
	}
	if healthy, err = load("testdata/snapshots/*.json"); err != nil {
		return nil, nil, err
	}
	firing, err = load("policies/rules/*/testdata/*.json")
	if len(healthy) == 0 || len(firing) == 0 {
		return nil, nil, fmt.Errorf("no samples found; run from the repository root")
	}
	return healthy, firing, err
}

// gen writes n snapshots: a fifth from the firing samples, the rest from
// the healthy ones, each with its own group ID, name, API IDs and traffic,
// deterministically (a fixed seed). The data file holds what conftest
// needs besides the policies: the cloud call registry and each rule's
// package and default severity.
func gen(args []string) error {
	var n int
	if _, err := fmt.Sscan(flag(args, "-n", "10000"), &n); err != nil || n < 1 {
		return fmt.Errorf("-n: want a count of snapshots")
	}
	dir, dataFile := flag(args, "-o", "out/bench/snapshots"), flag(args, "-data", "out/bench/data.json")
	healthy, firing, err := templates()
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(12, 9))
	for i := range n {
		var tmpl map[string]any
		if i%5 == 4 {
			tmpl = firing[rng.IntN(len(firing))]
		} else {
			tmpl = healthy[rng.IntN(len(healthy))]
		}
		doc := clone(tmpl)
		id := fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
		if g, ok := doc["group"].(map[string]any); ok {
			g["GroupId"] = id
			g["GroupName"] = fmt.Sprintf("group-%05d", i)
			g["SubDomain"] = id + "-cn-hangzhou.alicloudapi.com"
		}
		if bs, ok := doc["backends"].([]any); ok {
			for _, b := range bs {
				if b, ok := b.(map[string]any); ok {
					b["apiId"] = fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
				}
			}
		}
		if t, ok := doc["traffic"].(map[string]any); ok {
			if p, ok := t["peakRps"].(float64); ok {
				t["peakRps"] = float64(int(p * (0.5 + rng.Float64())))
			}
		}
		raw, _ := json.MarshalIndent(doc, "", "  ")
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("snapshot-%05d.json", i)), raw, 0o644); err != nil {
			return err
		}
	}
	eng, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		return err
	}
	rules := map[string]any{}
	for _, r := range eng.Rules() {
		if pkg, ok := strings.CutPrefix(r.Package, policies.RulesPrefix); ok {
			rules[r.ID] = map[string]any{"package": pkg, "severity": r.Severity.String()}
		}
	}
	data := map[string]any{"apigw": map[string]any{"calls": calls.Data()}, "bench": map[string]any{"rules": rules}}
	raw, _ := json.Marshal(data)
	return os.WriteFile(dataFile, raw, 0o644)
}

func clone(doc map[string]any) map[string]any {
	raw, _ := json.Marshal(doc)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// floor evaluates every *.json under the directory with one prepared OPA
// query over the built-in snapshot rules, on -jobs workers (GOMAXPROCS by
// default): read, decode, convert, evaluate, count. It has none of the
// engine's work around the query (finding decoding, lines, fingerprints,
// reports), so it is the least a run over the same files can cost.
func floor(args []string) error {
	jobs := runtime.GOMAXPROCS(0)
	if j := flag(args, "-jobs", ""); j != "" {
		if _, err := fmt.Sscan(j, &jobs); err != nil || jobs < 1 {
			return fmt.Errorf("-jobs: want a count of workers")
		}
	}
	dir := args[len(args)-1]
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".json" {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	mods, err := policies.LoadModules(policies.Builtin, false)
	if err != nil {
		return err
	}
	comp, err := policies.Compile(mods)
	if err != nil {
		return err
	}
	rules, err := policies.RulesFromModules(mods)
	if err != nil {
		return err
	}
	var refs []string
	var declared []report.Severity
	for _, r := range rules {
		if strings.HasPrefix(r.Package, policies.RulesPrefix) {
			refs = append(refs, r.Package+".findings")
			declared = append(declared, r.Severity)
		}
	}
	ctx := context.Background()
	pq, err := rego.New(
		rego.Compiler(comp),
		rego.Store(inmem.NewFromObject(map[string]any{"apigw": map[string]any{"params": map[string]any{}, "calls": calls.Data()}})),
		rego.Query("x = ["+strings.Join(refs, ", ")+"]"),
	).PrepareForEval(ctx)
	if err != nil {
		return err
	}
	var next, errs, warns atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				e, w, err := floorOne(ctx, pq, files[i], declared)
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				errs.Add(e)
				warns.Add(w)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	fmt.Println(errs.Load(), warns.Load())
	return nil
}

func floorOne(ctx context.Context, pq rego.PreparedEvalQuery, file string, declared []report.Severity) (errs, warns int64, err error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return 0, 0, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", file, err)
	}
	in, err := ast.InterfaceToValue(doc)
	if err != nil {
		return 0, 0, err
	}
	rs, err := pq.Eval(ctx, rego.EvalParsedInput(in))
	if err != nil || len(rs) != 1 {
		return 0, 0, fmt.Errorf("%s: evaluate: %v", file, err)
	}
	sets, _ := rs[0].Bindings["x"].([]any)
	for i, set := range sets {
		items, _ := set.([]any)
		for _, it := range items {
			sev := declared[i]
			if m, ok := it.(map[string]any); ok {
				if s, ok := m["severity"].(string); ok {
					if p, err := report.ParseSeverity(s); err == nil {
						sev = p
					}
				}
			}
			switch sev {
			case report.SeverityError:
				errs++
			case report.SeverityWarning:
				warns++
			}
		}
	}
	return errs, warns, nil
}

func countCheck(args []string) error {
	raw, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var r struct {
		Summary struct{ Errors, Warnings int }
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	fmt.Println(r.Summary.Errors, r.Summary.Warnings)
	return nil
}

func countConftest(args []string) error {
	raw, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var results []struct {
		Failures []any `json:"failures"`
		Warnings []any `json:"warnings"`
	}
	if err := json.Unmarshal(raw, &results); err != nil {
		return err
	}
	var e, w int
	for _, r := range results {
		e += len(r.Failures)
		w += len(r.Warnings)
	}
	fmt.Println(e, w)
	return nil
}

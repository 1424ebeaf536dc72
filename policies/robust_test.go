package policies

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
)

// oddValues are the forms a cloud field may take that a rule must survive:
// the schema checks our sections strictly but the cloud objects loosely, so
// any of these can reach the rules.
var oddValues = []any{
	nil, true, "TRUE", "", "abc", "1e400", json.Number("-3"), json.Number("99999999999999999999"),
	[]any{"x", json.Number("1")}, map[string]any{"a": "b"}, "[not json", "10.0.0.0/33", "2026-02-30",
}

// TestRulesSurviveOddValues replaces every field of the cloud objects (and
// of the collector's sections) in every sample, one at a time, with each odd
// value, and checks that no rule fails to evaluate: with strict built-in
// errors, a rule that trips on a value would be a tool error for the user.
func TestRulesSurviveOddValues(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive")
	}
	e := newTestEngine(t, nil)
	files, _ := filepath.Glob("../testdata/snapshots/*healthy.json")
	files = append(files, "../testdata/snapshots/firing/MIG004-vpc-backend-misses-vpc-egress.json",
		"../testdata/snapshots/firing/MIG009-sg-drops-backend.json", "../testdata/snapshots/firing/MIG011-expires-soon.json")
	runs := 0
	seen := map[string]bool{}
	for _, f := range files {
		doc := decodeFile(t, f)
		for _, path := range leafPaths(doc, nil) {
			for _, v := range oddValues {
				mutated := setPath(deepCopy(doc).(map[string]any), path, v)
				_, errs := eval(t, e, mutated)
				runs++
				for _, re := range errs {
					if !seen[re.Message] {
						seen[re.Message] = true
						t.Errorf("%s with %v = %#v: %s: %s", filepath.Base(f), path, v, re.RuleID, re.Message)
					}
				}
			}
		}
	}
	t.Logf("%d evaluations", runs)
}

// leafPaths lists the paths of every value below the cloud objects and the
// collector's sections, containers included.
func leafPaths(v any, prefix []any) [][]any {
	var out [][]any
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if len(prefix) == 0 && (k == "schemaVersion" || k == "collectedAt" || k == "regionId") {
				continue
			}
			p := append(append([]any{}, prefix...), k)
			if len(prefix) > 0 {
				out = append(out, p)
			}
			out = append(out, leafPaths(x[k], p)...)
		}
	case []any:
		for i, el := range x {
			p := append(append([]any{}, prefix...), i)
			out = append(out, p)
			out = append(out, leafPaths(el, p)...)
		}
	}
	return out
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, el := range x {
			m[k] = deepCopy(el)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, el := range x {
			s[i] = deepCopy(el)
		}
		return s
	}
	return v
}

func setPath(doc map[string]any, path []any, v any) map[string]any {
	var cur any = doc
	for i, p := range path {
		last := i == len(path)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[p.(string)] = v
			} else {
				cur = c[p.(string)]
			}
		case []any:
			if last {
				c[p.(int)] = v
			} else {
				cur = c[p.(int)]
			}
		default:
			panic(fmt.Sprintf("path %v", path))
		}
	}
	return doc
}

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
	// Numbers at the edges of float64 and of the time builtins.
	json.Number("5e-324"), json.Number("-5e-324"), json.Number("0.5"), json.Number("1.7976931348623157e308"),
	json.Number("-1.7976931348623157e308"), json.Number("9223372036854775807"), json.Number("1e21"),
	"5e-324", "0.0000001", "-0", "99999999999999999999999999999", "::ffff:10.0.0.1", "10.0.0.1/", "0x10",
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
	files = append(files, "rules/egress_allowlist/testdata/MIG004-vpc-backend-misses-vpc-egress.json",
		"rules/eni_security_group/testdata/MIG009-sg-drops-backend.json", "rules/destination_ready/testdata/MIG011-expires-soon.json")
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

// TestUnusableValuesAreUndecided puts values that are no reading into the
// fields MIG001 and MIG011 compute with and checks that the rule says it
// could not check (one undecided finding, marked as such by the engine)
// instead of failing to evaluate or computing with them.
func TestUnusableValuesAreUndecided(t *testing.T) {
	e := newTestEngine(t, nil)
	cases := []struct {
		sample string
		path   []any
		rule   string
		key    string
		values []any
	}{
		{"rules/destination_ready/testdata/MIG011-expires-soon.json", []any{"destination", "ExpiredTime"}, "MIG011", "expiry", []any{
			json.Number("5e-324"), json.Number("-5e-324"), json.Number("0.5"), json.Number("1.7976931348623157e308"),
			json.Number("-1.7976931348623157e308"), json.Number("1796083200"), json.Number("1796083200000.5"),
			"5e-324", "abc", true, []any{json.Number("1")}, map[string]any{"a": "b"}, "2026-02-30", "1e400",
		}},
		{"../testdata/snapshots/healthy.json", []any{"traffic", "peakRps"}, "MIG001", "peak-missing", []any{
			nil, "abc", true, json.Number("-3"), "-3", "1e400", []any{json.Number("800")}, map[string]any{"a": "b"},
		}},
		{"../testdata/snapshots/healthy.json", []any{"destinationLoad", "peakRps"}, "MIG001", "load-missing", []any{
			nil, "abc", json.Number("-1"), []any{}, map[string]any{},
		}},
	}
	for _, c := range cases {
		doc := decodeFile(t, c.sample)
		for _, v := range c.values {
			fs, errs := eval(t, e, setPath(deepCopy(doc).(map[string]any), c.path, v))
			if len(errs) > 0 {
				t.Errorf("%s %v = %#v: rule errors %v", c.sample, c.path, v, errs)
				continue
			}
			var got []string
			for _, f := range fs {
				if f.RuleID == c.rule {
					got = append(got, fmt.Sprintf("%s undecided=%v %s", f.Key, f.Undecided, f.Severity))
				}
			}
			want := c.key + " undecided=true warning"
			if len(got) != 1 || got[0] != want {
				t.Errorf("%s %v = %#v: %s findings %q, want [%q]", c.sample, c.path, v, c.rule, got, want)
			}
		}
	}
}

package policies

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/apigw-preflight/apigw-preflight/report"
)

func TestSnapshotStale(t *testing.T) {
	doc := decodeFile(t, "../testdata/snapshots/healthy.json") // collected 2026-11-20T08:00:00Z
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	stale := report.Finding{
		RuleID: "AGP001", RuleName: "snapshot-stale", Severity: report.SeverityWarning,
		Message:     "The snapshot was collected at 2026-11-20T08:00:00Z, 11 days 2 hours before 2026-12-01T10:00:00Z, which is more than the maximum age of 7 days, so the cloud state it shows may have changed.",
		Remediation: "Collect the snapshot again (`apigw-preflight collect --group 523e8dc7bbe04613b5b1d726c2a7889d --to apigateway-hz-ab12cd34ef56 -o snapshot.json`, or `apigw-preflight run --group 523e8dc7bbe04613b5b1d726c2a7889d --to apigateway-hz-ab12cd34ef56`, which collects and checks in one step) and check the new one; give --max-age a longer age only when the older state is known to still hold.",
		Resource:    report.Resource{Kind: "group", ID: "523e8dc7bbe04613b5b1d726c2a7889d", Name: "orders"},
		Path:        []string{"collectedAt"},
		Key:         "snapshot-age",
	}
	cases := []struct {
		name   string
		maxAge time.Duration
		now    string
		want   []report.Finding
	}{
		{"stale", DefaultMaxAge, "2026-12-01T10:00:00Z", []report.Finding{stale}},
		{"exactly the maximum age", DefaultMaxAge, "2026-11-27T08:00:00Z", nil},
		{"fresh", DefaultMaxAge, "2026-11-20T09:00:00Z", nil},
		{"collected after now", DefaultMaxAge, "2026-11-01T00:00:00Z", nil},
		{"check off", 0, "2030-01-01T00:00:00Z", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := New(context.Background(), Options{MaxAge: c.maxAge, Now: at(c.now)})
			if err != nil {
				t.Fatal(err)
			}
			fs, errs := eval(t, e, doc)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			var got []report.Finding
			for _, f := range fs {
				if strings.HasPrefix(f.RuleID, "AGP") {
					got = append(got, f)
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("AGP findings\n got %+v\nwant %+v", got, c.want)
			}
			ids := []string{}
			for _, r := range e.Rules() {
				ids = append(ids, r.ID)
			}
			if has := slices.Contains(ids, "AGP001"); has != (c.maxAge > 0) {
				t.Errorf("Rules() = %v: AGP001 listed %v, want %v", ids, has, c.maxAge > 0)
			}
			if !slices.IsSorted(ids) {
				t.Errorf("Rules() not sorted: %v", ids)
			}
		})
	}
}

func TestFormatAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		7 * 24 * time.Hour:                             "7 days",
		24*time.Hour + time.Hour:                       "1 day 1 hour",
		11*24*time.Hour + 2*time.Hour + 59*time.Minute: "11 days 2 hours",
		90 * time.Minute:                               "1 hour 30 minutes",
		2 * time.Hour:                                  "2 hours",
		time.Minute:                                    "1 minute",
		59 * time.Second:                               "59 seconds",
	} {
		if got := FormatAge(d); got != want {
			t.Errorf("FormatAge(%v) = %q, want %q", d, got, want)
		}
	}
}

const undecidedRule = `# METADATA
# title: Undecided test rule
# custom:
#   id: ZZZ903
#   name: undecided-test
#   severity: error
#   remediation: Fix it.
package apigw.rules.zz_undecided

findings contains {"message": "marked", "undecided": true, "key": "a"} if input.a

findings contains {"message": "Could not check the thing: no data", "key": "b"} if input.b

findings contains {"message": "decided", "undecided": false, "key": "c"} if input.c

findings contains {"message": "junk marker", "undecided": "yes", "key": "d"} if input.d
`

// TestUndecidedMarker: the engine maps the rules' marker to
// Finding.Undecided, infers it from the "could not check" wording, and
// refuses a marker that is not a boolean.
func TestUndecidedMarker(t *testing.T) {
	e := newTestEngine(t, map[string]string{"extra/u.rego": undecidedRule})
	fs, errs := eval(t, e, map[string]any{"a": true, "b": true, "c": true})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := map[string]bool{}
	for _, f := range fs {
		if f.RuleID == "ZZZ903" {
			got[f.Key] = f.Undecided
		}
	}
	if want := map[string]bool{"a": true, "b": true, "c": false}; !reflect.DeepEqual(got, want) {
		t.Errorf("undecided by key = %v, want %v", got, want)
	}
	_, errs = eval(t, e, map[string]any{"d": true})
	if len(errs) != 1 || errs[0].RuleID != "ZZZ903" || !strings.Contains(errs[0].Message, "undecided must be a boolean") {
		t.Errorf("errs = %+v, want one ZZZ903 error about the marker", errs)
	}
}

// TestBuiltinCouldNotCheckIsMarked reads the built-in rules' raw findings
// on every sample (and on a few mutations that make rules undecided) and
// checks that each "could not check" finding sets the marker itself and
// is a warning: built-in rules build them with lib.undecided.
func TestBuiltinCouldNotCheckIsMarked(t *testing.T) {
	mods, err := LoadModules(Builtin, false)
	if err != nil {
		t.Fatal(err)
	}
	comp, err := Compile(mods)
	if err != nil {
		t.Fatal(err)
	}
	pq, err := rego.New(rego.Compiler(comp), rego.Query("data.apigw.rules")).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var inputs []map[string]any
	for _, f := range sampleFiles(t) {
		doc := decodeFile(t, f)
		inputs = append(inputs, doc)
		m := deepCopy(doc).(map[string]any)
		delete(m, "backends")
		delete(m, "traffic")
		delete(m, "eniSecurityGroups")
		m["collectionErrors"] = []any{map[string]any{"call": "DescribeGroupQps"}, map[string]any{"call": "DescribeApis"}, map[string]any{"call": "DescribeSecurityGroups"}}
		inputs = append(inputs, m)
	}
	undecided := 0
	for i, in := range inputs {
		raw, _ := json.Marshal(in)
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		rs, err := pq.Eval(context.Background(), rego.EvalInput(v))
		if err != nil || len(rs) != 1 {
			t.Fatalf("input %d: %v", i, err)
		}
		pkgs := rs[0].Expressions[0].Value.(map[string]any)
		for name, p := range pkgs {
			fs, _ := p.(map[string]any)["findings"].([]any)
			for _, f := range fs {
				f := f.(map[string]any)
				msg, _ := f["message"].(string)
				if !strings.HasPrefix(msg, "could not check") {
					if f["undecided"] != nil {
						t.Errorf("%s: undecided set on a finding that does not say it could not check: %q", name, msg)
					}
					continue
				}
				undecided++
				if f["undecided"] != true || f["severity"] != "warning" {
					t.Errorf("%s: %q has undecided=%v severity=%v; build it with lib.undecided", name, msg, f["undecided"], f["severity"])
				}
			}
		}
	}
	if undecided < 20 {
		t.Errorf("only %d undecided findings over the samples; the test no longer covers the rules", undecided)
	}
}

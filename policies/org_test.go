package policies

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/bundle"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// writeFiles writes name -> content under a temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const orgNative = `# METADATA
# custom:
#   id: ACME010
#   name: needs-owner
#   severity: warning
#   remediation: Add the owner.
package acme.owner

import data.apigw.lib

findings contains lib.finding({"message": sprintf("group %s has no owner in data.owners", [lib.group_id]), "resource": lib.group_resource}) if {
	not data.owners[lib.group_id]
}
`

const orgConftest = `package main

deny contains msg if {
	input.group.TrafficLimit > 100
	msg := sprintf("limit %d", [input.group.TrafficLimit])
}

violation_big contains {"msg": "big", "details": 1} if input.group.TrafficLimit > 1000

warn contains "no description" if not input.group.Description
`

func orgEngine(t *testing.T, opts Options, paths, data []string) *Engine {
	t.Helper()
	p, err := LoadPack(paths, data)
	if err != nil {
		t.Fatal(err)
	}
	opts.Packs, opts.Data = p.Sources, p.Data
	e, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type short struct {
	ID, Sev, Msg string
}

func shorten(fs []report.Finding) []short {
	out := []short{}
	for _, f := range fs {
		if strings.HasPrefix(f.RuleID, "MIG") || strings.HasPrefix(f.RuleID, "AGP") {
			continue
		}
		out = append(out, short{f.RuleID, f.Severity.String(), f.Message})
	}
	return out
}

func TestOrgRulesBothForms(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"org/owner.rego":         orgNative,
		"org/owner_test.rego":    "package acme.owner_test\n\ntest_x if false\n",
		"conftest/policy.rego":   orgConftest,
		"data/owners/teams.json": `{"g-owned": "team-a"}`,
	})
	e := orgEngine(t, Options{}, []string{filepath.Join(dir, "org"), filepath.Join(dir, "conftest")}, []string{filepath.Join(dir, "data")})
	cid := DerivedID("data.main")
	byID := map[string]report.Rule{}
	for _, r := range e.Rules() {
		byID[r.ID] = r
	}
	native, conf := byID["ACME010"], byID[cid]
	if native.Source != filepath.Join(dir, "org/owner.rego") || native.Pack != "org" || native.Title != "needs-owner" || native.Severity != report.SeverityWarning {
		t.Errorf("native rule = %+v", native)
	}
	if conf.Source != filepath.Join(dir, "conftest/policy.rego") || conf.Pack != "conftest" || conf.Name != "main" || conf.Severity != report.SeverityError {
		t.Errorf("conftest rule = %+v", conf)
	}
	// data/owners/teams.json is data.owners (its directory below --data).
	if got := e.Data(); !reflect.DeepEqual(got, map[string]any{"owners": map[string]any{"g-owned": "team-a"}}) {
		t.Errorf("data = %v", got)
	}
	fs, errs := eval(t, e, map[string]any{"group": map[string]any{"GroupId": "g-1", "TrafficLimit": 5000}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []short{
		{"ACME010", "warning", "group g-1 has no owner in data.owners"},
		{cid, "error", "big"},
		{cid, "error", "limit 5000"},
		{cid, "warning", "no description"},
	}
	slices.SortFunc(want, func(a, b short) int { return strings.Compare(a.Sev+a.ID+a.Msg, b.Sev+b.ID+b.Msg) })
	got := shorten(fs)
	slices.SortFunc(got, func(a, b short) int { return strings.Compare(a.Sev+a.ID+a.Msg, b.Sev+b.ID+b.Msg) })
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings = %v\nwant %v", got, want)
	}
	fs, _ = eval(t, e, map[string]any{"group": map[string]any{"GroupId": "g-owned", "TrafficLimit": 1, "Description": "d"}})
	if got := shorten(fs); len(got) != 0 {
		t.Errorf("quiet input: findings = %v", got)
	}
	if got := e.Packs(); !reflect.DeepEqual(got, []report.Pack{{Name: "org", Rules: []string{"ACME010"}}, {Name: "conftest", Rules: []string{cid}}}) {
		t.Errorf("packs = %+v", got)
	}
}

func TestDerivedIDIsStableAndValid(t *testing.T) {
	for _, pkg := range []string{"data.main", "data.acme.freeze", "data.a"} {
		id := DerivedID(pkg)
		if !ruleIDPattern.MatchString(id) || !strings.HasPrefix(id, "ORG") || id != DerivedID(pkg) {
			t.Errorf("DerivedID(%s) = %s", pkg, id)
		}
	}
	// Pinned: a report's rule ID must not change between versions.
	if got := DerivedID("data.main"); got != "ORG21287" {
		t.Errorf("DerivedID(data.main) = %s, want ORG21287", got)
	}
}

func TestOrgSettingsOnlySkip(t *testing.T) {
	dir := writeFiles(t, map[string]string{"org/owner.rego": orgNative, "conftest/policy.rego": orgConftest})
	paths := []string{filepath.Join(dir, "org"), filepath.Join(dir, "conftest")}
	cid := DerivedID("data.main")
	e := orgEngine(t, Options{Settings: []Setting{
		{Rule: "needs-owner", Key: "severity", Value: "error", Where: "t", Layer: "file"},
		{Rule: cid, Key: "enabled", Value: false, Where: "t", Layer: "file"},
	}, MaxAge: DefaultMaxAge}, paths, nil)
	fs, _ := eval(t, e, map[string]any{"group": map[string]any{"GroupId": "g-1", "TrafficLimit": 5000}})
	if got := shorten(fs); !reflect.DeepEqual(got, []short{{"ACME010", "error", "group g-1 has no owner in data.owners"}}) {
		t.Errorf("findings = %v", got)
	}
	wantRec := []report.RuleSettingRecord{{RuleID: "ACME010", Enabled: true, Severity: report.SeverityError}, {RuleID: cid, Enabled: false}}
	if got := e.Settings(); !reflect.DeepEqual(got, wantRec) {
		t.Errorf("settings = %+v", got)
	}

	only := orgEngine(t, Options{Only: []string{"acme010", "rps-capacity"}, MaxAge: DefaultMaxAge}, paths, nil)
	var ids []string
	for _, r := range only.Rules() {
		ids = append(ids, r.ID)
	}
	if !reflect.DeepEqual(ids, []string{"ACME010", "MIG001"}) {
		t.Errorf("--only rules = %v", ids)
	}
	skip := orgEngine(t, Options{Skip: []string{"AGP001", "main"}, MaxAge: DefaultMaxAge}, paths, nil)
	for _, r := range skip.Rules() {
		if r.ID == "AGP001" || r.ID == cid {
			t.Errorf("--skip left %s", r.ID)
		}
	}
	p, _ := LoadPack(paths, nil)
	_, err := New(context.Background(), Options{Packs: p.Sources, Skip: []string{"NOPE1"}})
	var se *SettingError
	if !errors.As(err, &se) || se.Where != "--skip NOPE1" {
		t.Errorf("unknown --skip: err = %v", err)
	}
}

func TestOrgPolicyErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string // substrings, in order
	}{
		{"parse error", map[string]string{"p/bad.rego": "package acme\n\nfindings contains x if {\n"}, []string{"p/bad.rego:4:", "rego_parse_error"}},
		{"compile error", map[string]string{"p/bad.rego": "package acme\n\nallow if nosuch(1)\n"}, []string{"p/bad.rego:3:10:", "undefined function nosuch"}},
		{"reserved ID of a built-in rule", map[string]string{"p/r.rego": strings.Replace(orgNative, "ACME010", "MIG001", 1)},
			[]string{"p/r.rego: rule ID MIG001 is the built-in rule MIG001 rps-capacity (policies/rules/rps_capacity)", "reserved"}},
		{"reserved prefix", map[string]string{"p/r.rego": strings.Replace(orgNative, "ACME010", "AGP777", 1)}, []string{"p/r.rego: rule ID AGP777 uses the prefix AGP, reserved"}},
		{"package inside data.apigw", map[string]string{"p/r.rego": "package apigw.lib\n\nx := 1\n"},
			[]string{"p/r.rego:1: package data.apigw.lib is inside data.apigw", "policies/lib/"}},
		{"duplicate IDs", map[string]string{"p/a.rego": orgNative, "p/b.rego": strings.Replace(strings.Replace(orgNative, "acme.owner", "acme.other", 1), "needs-owner", "other", 1)},
			[]string{"p/b.rego: rule ID ACME010 is already used by ", "p/a.rego"}},
		{"id without findings", map[string]string{"p/a.rego": "# METADATA\n# custom:\n#   id: ACME1\npackage acme\n\nx := 1\n"}, []string{"neither a findings set"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			p, err := LoadPack([]string{filepath.Join(dir, "p")}, nil)
			if err == nil {
				_, err = New(context.Background(), Options{Packs: p.Sources})
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a PolicyError", err)
			}
			msg := strings.ReplaceAll(pe.Error(), dir+"/", "")
			at := 0
			for _, w := range tc.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("err = %q, want %q (in order)", msg, w)
				}
				at += i
			}
		})
	}
}

func TestDataErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"top/x.json":          `{"apigw": {"params": {}}}`,
		"nested/apigw/x.json": `{"a": 1}`,
		"clash/a.json":        `{"k": 1}`,
		"clash/b.yaml":        "k: 2\n",
	})
	for _, tc := range []struct{ path, want string }{
		{"top", "top/x.json writes data.apigw, which is reserved"},
		{"nested", "nested/apigw/x.json would be data.apigw, inside data.apigw"},
		{"clash", "conflicting values at data.k"},
		{"missing", "--data " + dir + "/missing: no such file or directory"},
	} {
		_, err := LoadPack(nil, []string{filepath.Join(dir, tc.path)})
		var pe *PolicyError
		if !errors.As(err, &pe) || !strings.Contains(strings.ReplaceAll(err.Error(), dir+"/", ""), strings.ReplaceAll(tc.want, dir+"/", "")) {
			t.Errorf("%s: err = %v, want %q", tc.path, err, tc.want)
		}
	}
}

func TestLoadBundle(t *testing.T) {
	rev := "2026-12-01.1"
	b := bundle.Bundle{
		Manifest: bundle.Manifest{Revision: rev, Roots: &[]string{"acme", "owners"}, Metadata: map[string]any{"name": "acme-central"}},
		Modules: []bundle.ModuleFile{
			{URL: "/acme/owner.rego", Path: "/acme/owner.rego", Raw: []byte(orgNative)},
			{URL: "/acme/owner_test.rego", Path: "/acme/owner_test.rego", Raw: []byte("package acme.owner_test\n\ntest_x if true\n")},
		},
		Data: map[string]any{"owners": map[string]any{"g-1": "team"}},
	}
	var buf bytes.Buffer
	if err := bundle.NewWriter(&buf).Write(b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "acme.tar.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPack([]string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := p.Sources[0]
	if s.Name != "acme-central" || s.Revision != rev || len(s.Modules) != 1 || s.Modules[0].File != path+"/acme/owner.rego" {
		t.Fatalf("source = %+v", s)
	}
	if !reflect.DeepEqual(p.Data, map[string]any{"owners": map[string]any{"g-1": "team"}}) {
		t.Errorf("data = %v", p.Data)
	}
	withTests, err := LoadPackWith([]string{path}, nil, LoadOptions{WithTests: true})
	if err != nil || len(withTests.Sources[0].Modules) != 2 || !withTests.Sources[0].Modules[1].Test {
		t.Fatalf("with tests: %+v %v", withTests, err)
	}
	e := orgEngine(t, Options{}, []string{path}, nil)
	if got := e.Packs(); !reflect.DeepEqual(got, []report.Pack{{Name: "acme-central", Version: rev, Rules: []string{"ACME010"}}}) {
		t.Errorf("packs = %+v", got)
	}
	fs, _ := eval(t, e, map[string]any{"group": map[string]any{"GroupId": "g-1"}})
	if got := shorten(fs); len(got) != 0 {
		t.Errorf("the bundle's data should make g-1 owned: %v", got)
	}
}

// TestOrgRuleEvaluationErrorIsPinned: an org rule that fails at evaluation
// is a rule error naming it (exit 1 in the CLI), never a pass, and the
// other rules' findings stay.
func TestOrgRuleEvaluationErrorIsPinned(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"p/boom.rego":  "package boom\n\ndeny contains \"n\" if to_number(\"x\") > 1\n",
		"p/owner.rego": orgNative,
	})
	e := orgEngine(t, Options{}, []string{filepath.Join(dir, "p")}, nil)
	fs, errs := eval(t, e, map[string]any{"group": map[string]any{"GroupId": "g-1"}})
	if len(errs) != 1 || errs[0].RuleID != DerivedID("data.boom") || !strings.Contains(errs[0].Message, "to_number") {
		t.Fatalf("errors = %+v, want one of %s naming to_number", errs, DerivedID("data.boom"))
	}
	if got := shorten(fs); !reflect.DeepEqual(got, []short{{"ACME010", "warning", "group g-1 has no owner in data.owners"}}) {
		t.Errorf("findings = %v", got)
	}
}

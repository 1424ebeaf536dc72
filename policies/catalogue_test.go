package policies

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// ruleDirs lists the rule directories under rules/: one per built-in rule.
func ruleDirs(tb testing.TB) []string {
	tb.Helper()
	entries, err := os.ReadDir("rules")
	if err != nil {
		tb.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) == 0 {
		tb.Fatal("no rule directories under rules/")
	}
	return dirs
}

// sampleFiles lists the shared healthy samples (testdata/snapshots/) and the
// firing samples of every snapshot rule (rules/<name>/testdata/); the plan
// rules' samples are Terraform plans, not snapshots, and are left out.
func sampleFiles(tb testing.TB) []string {
	tb.Helper()
	files, _ := filepath.Glob("../testdata/snapshots/*.json")
	all, _ := filepath.Glob("rules/*/testdata/*.json")
	var firing []string
	for _, f := range all {
		if !planRuleDir(tb, filepath.Base(filepath.Dir(filepath.Dir(f)))) {
			firing = append(firing, f)
		}
	}
	if len(files) == 0 || len(firing) == 0 {
		tb.Fatalf("found %d shared and %d firing samples", len(files), len(firing))
	}
	return append(files, firing...)
}

// planRuleDir reports whether rules/<dir> holds a plan rule (a package
// under PlanRulesPrefix) or a fleet rule (FleetRulesPrefix): its samples
// are not snapshots.
func planRuleDir(tb testing.TB, dir string) bool {
	tb.Helper()
	mods, err := LoadModules(os.DirFS(filepath.Join("rules", dir)), false)
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range mods {
		if p := m.Package.Path.String() + "."; strings.HasPrefix(p, PlanRulesPrefix) || strings.HasPrefix(p, FleetRulesPrefix) {
			return true
		}
	}
	return false
}

// ruleOfDir is the rule whose package the directory holds (a snapshot
// rule, or a plan rule under PlanRulesPrefix).
func ruleOfDir(e *Engine, dir string) (report.Rule, bool) {
	for _, r := range AllRules(e) {
		if RuleDir(r) == dir && r.Package != "" {
			return r, true
		}
	}
	return report.Rule{}, false
}

var kebab = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// TestRuleDirectories: every directory under rules/ is one rule, package
// apigw.rules.<dir> (apigw.terraform.<dir> for a plan rule), whose METADATA names it <dir> in kebab case and gives
// a description, a remediation and a https help link; the engine evaluates
// exactly these rules.
func TestRuleDirectories(t *testing.T) {
	e := newTestEngine(t, nil)
	dirs := ruleDirs(t)
	for _, dir := range dirs {
		r, ok := ruleOfDir(e, dir)
		if !ok {
			t.Errorf("rules/%s: no rule package %s%s with a METADATA block", dir, RulesPrefix, dir)
			continue
		}
		if r.Name != strings.ReplaceAll(dir, "_", "-") || !kebab.MatchString(r.Name) {
			t.Errorf("rules/%s: METADATA custom.name %q, want %q", dir, r.Name, strings.ReplaceAll(dir, "_", "-"))
		}
		if r.Remediation == "" || r.Description == "" || !strings.HasPrefix(r.HelpURI, "https://") {
			t.Errorf("rules/%s: METADATA needs description, remediation and a https help link: %+v", dir, r)
		}
	}
	if n := len(AllRules(e)); n != len(dirs) {
		t.Errorf("engine has %d rules, rules/ has %d directories", n, len(dirs))
	}
}

func decodeFile(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

// TestFiringSamples: every rule directory holds at least one firing sample
// (rules/<name>/testdata/*.json), each sample yields a finding of that
// rule, and no rule fails to evaluate on it. A plan rule's samples are
// Terraform plans, evaluated as plans.
func TestFiringSamples(t *testing.T) {
	e := newTestEngine(t, nil)
	for _, dir := range ruleDirs(t) {
		r, ok := ruleOfDir(e, dir)
		if !ok {
			continue // TestRuleDirectories says why
		}
		files, _ := filepath.Glob(filepath.Join("rules", dir, "testdata", "*.json"))
		if len(files) == 0 {
			t.Errorf("rules/%s: no firing sample in rules/%s/testdata/", dir, dir)
		}
		for _, f := range files {
			t.Run(dir+"/"+filepath.Base(f), func(t *testing.T) {
				evaluate := eval
				if strings.HasPrefix(r.Package, PlanRulesPrefix) {
					evaluate = evalPlan
				}
				if strings.HasPrefix(r.Package, FleetRulesPrefix) {
					evaluate = evalFleet
				}
				fs, errs := evaluate(t, e, decodeFile(t, f))
				if len(errs) > 0 {
					t.Fatalf("rule errors: %+v", errs)
				}
				for _, fd := range fs {
					if fd.RuleID == r.ID {
						return
					}
				}
				t.Errorf("no %s finding; got %+v", r.ID, fs)
			})
		}
	}
}

// TestHealthySamplesAreQuiet: the healthy samples give no error or warning.
func TestHealthySamplesAreQuiet(t *testing.T) {
	e := newTestEngine(t, nil)
	files, _ := filepath.Glob("../testdata/snapshots/*healthy*.json")
	if len(files) == 0 {
		t.Fatal("no healthy samples")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			fs, errs := eval(t, e, decodeFile(t, f))
			if len(errs) > 0 {
				t.Fatalf("rule errors: %+v", errs)
			}
			for _, fd := range fs {
				if fd.Severity >= report.SeverityWarning {
					t.Errorf("%s %s: %s", fd.RuleID, fd.Severity, fd.Message)
				}
			}
		})
	}
}

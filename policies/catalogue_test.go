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

// catalogue is rules.md's table: every ID with its name and default severity.
var catalogue = []struct{ id, name, severity string }{
	{"MIG001", "rps-capacity", "error"},
	{"MIG002", "custom-rps-ticket", "error"},
	{"MIG003", "https-policy", "error"},
	{"MIG004", "egress-allowlist", "error"},
	{"MIG005", "vpc-domain", "error"},
	{"MIG006", "internal-domain", "error"},
	{"MIG007", "ipv6-inbound", "error"},
	{"MIG008", "ipv6-outbound", "error"},
	{"MIG009", "eni-security-group", "error"},
	{"MIG010", "migration-path", "error"},
	{"MIG011", "destination-ready", "error"},
	{"MIG012", "migration-state", "error"},
	{"MIG013", "source-drain", "note"},
	{"MIG014", "group-state", "error"},
	{"MIG015", "data-unavailable", "warning"},
}

func TestCatalogueMatchesRulesMd(t *testing.T) {
	e := newTestEngine(t, nil)
	got := map[string]report.Rule{}
	for _, r := range e.Rules() {
		got[r.ID] = r
	}
	for _, c := range catalogue {
		r, ok := got[c.id]
		if !ok {
			t.Errorf("rule %s (%s) is missing", c.id, c.name)
			continue
		}
		if r.Name != c.name || r.Severity.String() != c.severity {
			t.Errorf("rule %s: name %q severity %s, want %q %s", c.id, r.Name, r.Severity, c.name, c.severity)
		}
		if r.Remediation == "" || r.Description == "" || !strings.HasPrefix(r.HelpURI, "https://") {
			t.Errorf("rule %s: METADATA needs description, remediation and a https help link: %+v", c.id, r)
		}
	}
	if len(got) != len(catalogue) {
		t.Errorf("engine has %d rules, catalogue %d", len(got), len(catalogue))
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

// TestFiringSamples: every testdata/snapshots/firing/MIGxxx-*.json yields a
// finding of rule MIGxxx, and no rule fails to evaluate.
func TestFiringSamples(t *testing.T) {
	e := newTestEngine(t, nil)
	files, _ := filepath.Glob("../testdata/snapshots/firing/*.json")
	name := regexp.MustCompile(`^(MIG[0-9]{3})-`)
	fired := map[string]bool{}
	for _, f := range files {
		m := name.FindStringSubmatch(filepath.Base(f))
		if m == nil {
			t.Errorf("%s: firing samples are named MIGxxx-what.json", f)
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			fs, errs := eval(t, e, decodeFile(t, f))
			if len(errs) > 0 {
				t.Fatalf("rule errors: %+v", errs)
			}
			for _, fd := range fs {
				if fd.RuleID == m[1] {
					fired[m[1]] = true
					return
				}
			}
			t.Errorf("no %s finding; got %+v", m[1], fs)
		})
	}
	for _, c := range catalogue {
		if !fired[c.id] {
			t.Errorf("no firing sample fires %s", c.id)
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

package preflight

import (
	"bytes"
	"context"
	"os"
	"slices"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// brokenRule cannot be evaluated on a snapshot whose group name is not a
// number: to_number fails.
const brokenRule = `# METADATA
# title: Broken rule
# custom:
#   id: ZZZ902
#   name: broken
#   severity: error
#   remediation: none
package apigw.rules.zz_broken

findings contains {"message": "n"} if to_number(input.group.GroupName) > 1
`

// load parses the healthy sample, with edit applied to its bytes, as name.
func load(t *testing.T, name string, edit func([]byte) []byte) *snapshot.Document {
	t.Helper()
	raw, err := os.ReadFile("../testdata/snapshots/healthy.json")
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		raw = edit(raw)
	}
	doc, err := snapshot.Parse(name, raw)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// tooSmall makes the destination's RPS limit too small for the group's
// peak: MIG001 fails.
func tooSmall(raw []byte) []byte {
	out := bytes.Replace(raw, []byte(`"InstanceRpsLimit": 2500`), []byte(`"InstanceRpsLimit": 1`), -1)
	return out
}

func TestRunLocatesAndJudges(t *testing.T) {
	ctx := context.Background()
	eng, err := policies.New(ctx, policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	healthy, small := load(t, "healthy.json", nil), load(t, "small.json", tooSmall)
	gate, _ := report.ParseThreshold("error")
	tool := report.Tool{Name: "apigw-preflight", Version: "test"}
	r, err := Run(ctx, eng, []*snapshot.Document{healthy, small}, Options{FailOn: gate, Tool: tool, WorkDir: "/w"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Tool != tool || r.WorkDir != "/w" || r.FailOn != gate || len(r.Rules) != len(eng.Rules()) {
		t.Errorf("result header: tool %+v workDir %q failOn %v, %d rules", r.Tool, r.WorkDir, r.FailOn, len(r.Rules))
	}
	if len(r.Migrations) != 2 || r.Migrations[0].Input != "healthy.json" || r.Migrations[1].Input != "small.json" {
		t.Fatalf("migrations %+v, want healthy.json then small.json", r.Migrations)
	}
	var ids []string
	for _, rule := range eng.Rules() {
		ids = append(ids, rule.ID)
	}
	for i, doc := range []*snapshot.Document{healthy, small} {
		m := r.Migrations[i]
		if m.GroupID != doc.GroupID || m.Destination != doc.DestID || m.Source != doc.SourceID || !m.CollectedAt.Equal(doc.CollectedAt) {
			t.Errorf("%s: migration %+v does not describe the document", doc.Name, m)
		}
		if !slices.Equal(m.Evaluated, ids) {
			t.Errorf("%s: rulesEvaluated %v, want %v", doc.Name, m.Evaluated, ids)
		}
		for _, f := range m.Findings {
			if want := report.Fingerprint(doc.GroupID, doc.DestID, f); f.Fingerprint != want {
				t.Errorf("%s %s: fingerprint %q, want %q", doc.Name, f.RuleID, f.Fingerprint, want)
			}
			if len(f.Path) > 0 && (f.Line == 0 || f.Line != doc.Lines.Line(f.Path)) {
				t.Errorf("%s %s: line %d for path %v, want %d", doc.Name, f.RuleID, f.Line, f.Path, doc.Lines.Line(f.Path))
			}
		}
	}
	if fails := r.Migrations[0].FindingsFor("MIG001"); len(fails) != 0 {
		t.Errorf("healthy: MIG001 findings %+v", fails)
	}
	mig001 := r.Migrations[1].FindingsFor("MIG001")
	if len(mig001) != 1 || mig001[0].Severity != report.SeverityError || mig001[0].Line == 0 {
		t.Fatalf("small: MIG001 findings %+v, want one error with a line", mig001)
	}
	if v := r.Verdict(); v != report.VerdictFail {
		t.Errorf("verdict %q, want fail", v)
	}
	r.FailOn = report.ThresholdNever
	if v := r.Verdict(); v != report.VerdictPass {
		t.Errorf("verdict with --fail-on never: %q, want pass", v)
	}

	alone, err := Run(ctx, eng, []*snapshot.Document{healthy}, Options{FailOn: gate})
	if err != nil {
		t.Fatal(err)
	}
	if v := alone.Verdict(); v != report.VerdictPass {
		t.Errorf("healthy alone: verdict %q, want pass (findings %+v)", v, alone.Migrations[0].Findings)
	}
}

func TestRunRecordsRuleErrors(t *testing.T) {
	ctx := context.Background()
	eng, err := policies.New(ctx, policies.Options{Extra: map[string]string{"extra/broken.rego": brokenRule}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(ctx, eng, []*snapshot.Document{load(t, "healthy.json", nil)}, Options{FailOn: report.ThresholdNever})
	if err != nil {
		t.Fatal(err)
	}
	errs := r.Migrations[0].Errors
	if len(errs) != 1 || errs[0].RuleID != "ZZZ902" {
		t.Fatalf("errors %+v, want one of ZZZ902", errs)
	}
	if v := r.Verdict(); v != report.VerdictError {
		t.Errorf("verdict %q, want error: a rule that could not be evaluated is never a pass", v)
	}
}

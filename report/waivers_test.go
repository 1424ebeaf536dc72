package report

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
)

const fxWaiverFile = "/src/infra/waivers.yaml"

// waivedResult is the fixture with waivers applied as the waiver package
// does: orders' MIG003 warning and one of its MIG004 errors are accepted
// (one waiver with a ticket, one without); the waiver file's migration
// holds AGP002 for an expired waiver and AGP003 for an unused one.
func waivedResult() *Result {
	r := fixtureResult()
	r.Rules = append(r.Rules,
		Rule{ID: "AGP002", Name: "waiver-expired", Title: "Waivers are within their expiry date", Description: "An expired waiver no longer applies.",
			Severity: SeverityWarning, Remediation: "Fix the cause, or renew the waiver.", Tags: []string{"tool", "waivers"}},
		Rule{ID: "AGP003", Name: "waiver-unused", Title: "Waivers match a finding", Description: "A waiver that matched no finding is a dead entry.",
			Severity: SeverityNote, Remediation: "Delete the waiver, or correct it.", Tags: []string{"tool", "waivers"}},
	)
	sortRules(r.Rules)
	orders := &r.Migrations[0]
	tls := WaiverRef{ID: "orders-http1", Reason: "no client of orders uses HTTP/2", Owner: "team-orders", Expires: "2026-12-20"}
	backend := WaiverRef{ID: "orders-getorder", Reason: "the 47.97.3.3 firewall change is scheduled for the cut-over window", Owner: "team-net", Ticket: "CHG-1234", Expires: "2026-12-31"}
	for i := range orders.Findings {
		f := &orders.Findings[i]
		switch {
		case f.RuleID == "MIG003":
			f.Waiver = &tls
		case f.RuleID == "MIG004" && f.Key == "47.97.3.3":
			f.Waiver = &backend
		}
	}
	r.Waivers = []WaiverUse{
		{WaiverRef: tls, Rule: "MIG003", Group: "orders", File: fxWaiverFile, Line: 2, Used: 1},
		{WaiverRef: backend, Rule: "MIG004", Group: fxOrdersGroup, Key: "47.97.3.3", File: fxWaiverFile, Line: 8, Used: 1},
		{WaiverRef: WaiverRef{ID: "payments-rps", Reason: "support migrates it", Owner: "team-payments", Ticket: "SR-42", Expires: "2026-11-15"},
			Rule: "MIG002", Group: "payments", File: fxWaiverFile, Line: 16, Expired: true},
		{WaiverRef: WaiverRef{ID: "MIG013/orders", Reason: "we watch the drain", Owner: "team-orders", Expires: "2026-12-24"},
			Rule: "MIG013", Group: "orders", Destination: fxDestPayments, File: fxWaiverFile, Line: 23},
	}
	r.Migrations = append(r.Migrations, Migration{
		Input: fxWaiverFile,
		Kind:  KindWaivers,
		Findings: []Finding{
			{RuleID: "AGP002", RuleName: "waiver-expired", Severity: SeverityWarning,
				Message:     "Waiver payments-rps (MIG002 on group payments, owner team-payments) expired at the end of 2026-11-15, 15 days before 2026-12-01T08:00:00Z: it no longer applies, and it matches no finding in this run.",
				Remediation: "Fix the cause, or renew the waiver.", Resource: Resource{Kind: "waiver", ID: "payments-rps"}, Line: 16, Key: "payments-rps"},
			{RuleID: "AGP003", RuleName: "waiver-unused", Severity: SeverityNote,
				Message:     "Waiver MIG013/orders (MIG013 on group orders to " + fxDestPayments + ", owner team-orders) matched no finding of the migrations checked in this run.",
				Remediation: "Delete the waiver, or correct it.", Resource: Resource{Kind: "waiver", ID: "MIG013/orders"}, Line: 23, Key: "MIG013/orders"},
		},
		Evaluated: []string{"AGP002", "AGP003"},
	})
	return r
}

func sortRules(rules []Rule) {
	for i := 1; i < len(rules); i++ {
		for j := i; j > 0 && rules[j].ID < rules[j-1].ID; j-- {
			rules[j], rules[j-1] = rules[j-1], rules[j]
		}
	}
}

// TestWaivedGolden: a waived finding is still reported, marked waived, in
// every format.
func TestWaivedGolden(t *testing.T) {
	compareGolden(t, "golden/waived.txt", render(t, "text", Options{}, waivedResult()))
	compareGolden(t, "golden/waived.json", render(t, "json", Options{}, waivedResult()))
	compareGolden(t, "golden/waived.sarif", renderSARIF(t, waivedResult()))
	compareGolden(t, "golden/waived.junit.xml", renderJUnit(t, waivedResult()))
	compareGolden(t, "golden/waived.github.txt", render(t, "github", Options{}, waivedResult()))
	compareGolden(t, "golden/waived.md", render(t, "markdown", Options{}, waivedResult()))
	compareGolden(t, "golden/waived.gitlab.json", render(t, "gitlab", Options{}, waivedResult()))
}

// TestWaivedGate: the waived findings do not count; the rest still do.
func TestWaivedGate(t *testing.T) {
	r := waivedResult()
	s := r.Summary()
	want := Summary{Migrations: 2, Failed: 1, Errors: 2, Warnings: 3, Notes: 2, Undecided: 1, RuleErrors: 1, Waived: 2}
	if s != want {
		t.Errorf("summary %+v, want %+v", s, want)
	}
	for _, f := range r.Migrations[0].Findings {
		if f.Waived() && r.FindingFails(f) {
			t.Errorf("waived %s %s fails the gate", f.RuleID, f.Key)
		}
	}
	r.Migrations[0].Errors = nil
	r.Migrations[0].Findings = slicesFilter(r.Migrations[0].Findings, func(f Finding) bool { return f.Waived() || f.Severity < SeverityError })
	if v := r.Verdict(); v != VerdictPass {
		t.Errorf("only waived errors left: verdict %s, want pass", v)
	}
	r.FailOnUnusedWaivers = true
	if v, s := r.Verdict(), r.Summary(); v != VerdictFail || s.WaiverFilesFailed != 1 {
		t.Errorf("with FailOnUnusedWaivers: verdict %s, summary %+v; want fail by the waiver file", v, s)
	}
}

func slicesFilter(fs []Finding, keep func(Finding) bool) []Finding {
	var out []Finding
	for _, f := range fs {
		if keep(f) {
			out = append(out, f)
		}
	}
	return out
}

// TestWaivedSARIF: each waived result has one external, accepted
// suppression with the waiver's justification and properties, located at
// the waiver in its file, which is an artifact of the run; the waiver
// findings point at the waiver's line; the log is valid SARIF.
func TestWaivedSARIF(t *testing.T) {
	out := renderSARIF(t, waivedResult())
	if err := validateSARIF(t, out); err != nil {
		t.Fatalf("not valid SARIF 2.1.0: %v", err)
	}
	var log struct {
		Runs []struct {
			Artifacts []struct {
				Location struct{ URI string } `json:"location"`
			} `json:"artifacts"`
			Results []struct {
				RuleID       string `json:"ruleId"`
				Suppressions []struct {
					Kind, Status, Justification, GUID string
					Location                          struct {
						PhysicalLocation struct {
							ArtifactLocation struct {
								URI   string `json:"uri"`
								Index int    `json:"index"`
							} `json:"artifactLocation"`
							Region struct{ StartLine int } `json:"region"`
						} `json:"physicalLocation"`
					} `json:"location"`
					Properties map[string]string `json:"properties"`
				} `json:"suppressions"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
						Region           struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	var uris []string
	for _, a := range run.Artifacts {
		uris = append(uris, a.Location.URI)
	}
	if strings.Join(uris, " ") != "snapshots/orders.json waivers.yaml snapshots/payments.json" {
		t.Errorf("artifacts %v, want the snapshots and waivers.yaml (first met in a suppression)", uris)
	}
	var suppressed []string
	for _, res := range run.Results {
		if res.RuleID == "AGP002" || res.RuleID == "AGP003" {
			l := res.Locations[0].PhysicalLocation
			if l.ArtifactLocation.URI != "waivers.yaml" || (l.Region.StartLine != 16 && l.Region.StartLine != 23) {
				t.Errorf("%s points at %s:%d, want waivers.yaml at the waiver's line", res.RuleID, l.ArtifactLocation.URI, l.Region.StartLine)
			}
		}
		if len(res.Suppressions) == 0 {
			continue
		}
		s := res.Suppressions[0]
		loc := s.Location.PhysicalLocation
		suppressed = append(suppressed, res.RuleID+" "+s.Kind+" "+s.Status+" "+s.Properties["waiverId"]+" "+s.Properties["owner"]+" "+s.Properties["ticket"]+" "+s.Properties["expires"]+" "+loc.ArtifactLocation.URI)
		if s.Justification == "" || len(s.GUID) != 36 || loc.ArtifactLocation.Index != 1 || loc.Region.StartLine == 0 {
			t.Errorf("%s: suppression %+v lacks justification, guid or location", res.RuleID, s)
		}
	}
	want := []string{
		"MIG004 external accepted orders-getorder team-net CHG-1234 2026-12-31 waivers.yaml",
		"MIG003 external accepted orders-http1 team-orders  2026-12-20 waivers.yaml",
	}
	if strings.Join(suppressed, "\n") != strings.Join(want, "\n") {
		t.Errorf("suppressions:\n%s\nwant\n%s", strings.Join(suppressed, "\n"), strings.Join(want, "\n"))
	}
}

// TestWaivedJUnit: a waived finding is <skipped message="waived: ...">.
func TestWaivedJUnit(t *testing.T) {
	var doc junitTestSuites
	if err := xml.Unmarshal(renderJUnit(t, waivedResult()), &doc); err != nil {
		t.Fatal(err)
	}
	var waived []string
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Skipped != nil && c.Skipped.Type == "waived" {
				waived = append(waived, c.Skipped.Message[:strings.Index(c.Skipped.Message, ":")+1]+" "+c.Name)
			}
		}
	}
	want := "waived: MIG003 https-policy [api.orders.example.com]\nwaived: MIG004 egress-allowlist [47.97.3.3]"
	if strings.Join(waived, "\n") != want {
		t.Errorf("waived cases:\n%s\nwant\n%s", strings.Join(waived, "\n"), want)
	}
}

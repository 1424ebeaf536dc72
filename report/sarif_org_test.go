package report

import (
	"encoding/json"
	"reflect"
	"testing"
)

// orgResult is the fixture with one organisation rule (pack acme, a bundle
// revision) that fires on the first migration, and rule settings.
func orgResult() *Result {
	r := fixtureResult()
	r.Rules = append(r.Rules, Rule{ID: "ACME001", Name: "approved-destination", Title: "Destination is approved",
		Description: "Only approved instances.", Severity: SeverityError, Remediation: "Pick an approved instance.",
		Package: "data.acme.approved", Source: "policies/acme.rego", Pack: "acme"})
	r.Packs = []Pack{{Name: "acme", Version: "rev-7", Rules: []string{"ACME001"}}}
	r.Settings = []RuleSettingRecord{
		{RuleID: "ACME001", Enabled: true, Params: map[string]any{"allowShared": false}},
		{RuleID: "MIG001", Enabled: true, Severity: SeverityWarning},
		{RuleID: "MIG014", Enabled: false},
	}
	m := &r.Migrations[0]
	m.Findings = append(m.Findings, Finding{RuleID: "ACME001", RuleName: "approved-destination", Severity: SeverityError,
		Message: "Destination x is not approved.", Remediation: "Pick an approved instance.", Resource: Resource{Kind: "instance", ID: "x"}, Fingerprint: "f-acme"})
	return r
}

// TestSARIFOrgPackExtension: an organisation pack is a tool extension with
// its rules; its results point at it with rule.toolComponent; settings are
// the invocation's ruleConfigurationOverrides; the log stays schema-valid.
func TestSARIFOrgPackExtension(t *testing.T) {
	b := renderSARIF(t, orgResult())
	if err := validateSARIF(t, b); err != nil {
		t.Fatalf("schema: %v", err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver     struct{ Rules []struct{ ID string } }
				Extensions []struct {
					Name, Version string
					Rules         []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex *int
				Rule      *struct {
					ID            string
					Index         int
					ToolComponent struct {
						Name  string
						Index int
					}
				}
			}
			Invocations []struct {
				RuleConfigurationOverrides []map[string]any
			}
		}
	}
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	for _, d := range run.Tool.Driver.Rules {
		if d.ID == "ACME001" {
			t.Error("ACME001 is in tool.driver.rules; it belongs to its pack's extension")
		}
	}
	if len(run.Tool.Extensions) != 1 || run.Tool.Extensions[0].Name != "acme" || run.Tool.Extensions[0].Version != "rev-7" ||
		len(run.Tool.Extensions[0].Rules) != 1 || run.Tool.Extensions[0].Rules[0].ID != "ACME001" {
		t.Fatalf("extensions = %+v", run.Tool.Extensions)
	}
	found := 0
	for _, res := range run.Results {
		if res.RuleID != "ACME001" {
			if res.Rule != nil || res.RuleIndex == nil {
				t.Errorf("built-in result %s: rule %+v ruleIndex %v", res.RuleID, res.Rule, res.RuleIndex)
			}
			continue
		}
		found++
		if res.Rule == nil || res.Rule.ID != "ACME001" || res.Rule.Index != 0 || res.Rule.ToolComponent.Name != "acme" || res.Rule.ToolComponent.Index != 0 || res.RuleIndex != nil {
			t.Errorf("org result: rule %+v ruleIndex %v", res.Rule, res.RuleIndex)
		}
	}
	if found != 1 {
		t.Errorf("%d ACME001 results, want 1", found)
	}
	var got []map[string]any
	raw, _ := json.Marshal(run.Invocations[0].RuleConfigurationOverrides)
	json.Unmarshal(raw, &got)
	want := []map[string]any{
		{"descriptor": map[string]any{"id": "ACME001", "index": 0.0, "toolComponent": map[string]any{"name": "acme", "index": 0.0}},
			"configuration": map[string]any{"enabled": true, "parameters": map[string]any{"properties": map[string]any{"allowShared": false}}}},
		{"descriptor": map[string]any{"id": "MIG001", "index": 1.0}, "configuration": map[string]any{"enabled": true, "level": "warning"}},
		{"descriptor": map[string]any{"id": "MIG014"}, "configuration": map[string]any{"enabled": false}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ruleConfigurationOverrides = %v\nwant %v", got, want)
	}
}

// TestJSONOrgPacksAndSettings: the json report carries packs and
// ruleSettings, and each rule's source and pack.
func TestJSONOrgPacksAndSettings(t *testing.T) {
	f, _ := Lookup("json")
	var buf jsonBuf
	if err := f.New(Options{}).Report(&buf, orgResult()); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Packs        []Pack
		RuleSettings []RuleSettingRecord
		Rules        []Rule
	}
	if err := json.Unmarshal(buf.b, &rep); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Packs, orgResult().Packs) {
		t.Errorf("packs = %+v", rep.Packs)
	}
	if len(rep.RuleSettings) != 3 || rep.RuleSettings[1].Severity != SeverityWarning || rep.RuleSettings[2].Enabled {
		t.Errorf("ruleSettings = %+v", rep.RuleSettings)
	}
	last := rep.Rules[len(rep.Rules)-1]
	if last.ID != "ACME001" || last.Source != "policies/acme.rego" || last.Pack != "acme" {
		t.Errorf("rule = %+v", last)
	}
}

type jsonBuf struct{ b []byte }

func (j *jsonBuf) Write(p []byte) (int, error) { j.b = append(j.b, p...); return len(p), nil }

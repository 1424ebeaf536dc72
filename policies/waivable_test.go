package policies

import (
	"testing"
)

// TestWaivableMetadata: custom.waivable and custom.ticket_required are read
// from METADATA into the rule, and a finding's waivable false marks it
// Unwaivable while the rule's other findings stay waivable.
func TestWaivableMetadata(t *testing.T) {
	e := newTestEngine(t, nil)
	got := map[string]string{}
	for _, r := range AllRules(e) {
		switch {
		case !r.CanWaive():
			got[r.ID] = "not waivable"
		case r.TicketRequired:
			got[r.ID] = "ticket required"
		}
	}
	want := map[string]string{"MIG002": "ticket required", "MIG010": "not waivable", "MIG014": "not waivable"}
	if len(got) != len(want) {
		t.Errorf("rules with waiver METADATA: %v, want %v", got, want)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: %q, want %q", id, got[id], w)
		}
	}

	for _, c := range []struct {
		sample, rule, key string
		unwaivable        bool
	}{
		{"rules/migration_state/testdata/MIG012-migration-running.json", "MIG012", "running", true},
		{"rules/migration_state/testdata/MIG012-migration-failed.json", "MIG012", "failed", false},
		{"rules/destination_ready/testdata/MIG011-destination-stopped.json", "MIG011", "status", true},
		{"rules/destination_ready/testdata/MIG011-expires-soon.json", "MIG011", "expiry", false},
	} {
		fs, _ := eval(t, e, decodeFile(t, c.sample))
		found := false
		for _, f := range fs {
			if f.RuleID != c.rule || f.Key != c.key {
				if f.Unwaivable && f.RuleID != "MIG012" && f.RuleID != "MIG011" {
					t.Errorf("%s: %s finding %s marked unwaivable", c.sample, f.RuleID, f.Key)
				}
				continue
			}
			found = true
			if f.Unwaivable != c.unwaivable {
				t.Errorf("%s: %s %s Unwaivable = %v, want %v", c.sample, f.RuleID, f.Key, f.Unwaivable, c.unwaivable)
			}
		}
		if !found {
			t.Errorf("%s: no %s finding with key %s", c.sample, c.rule, c.key)
		}
	}
}

// TestWaivableMetadataMustBeBoolean: a METADATA waivable that is not a
// boolean is an error naming the rule; a finding's likewise.
func TestWaivableMetadataMustBeBoolean(t *testing.T) {
	mods := map[string]string{"org/bad.rego": `# METADATA
# title: Bad waivable
# custom:
#   id: ORG001
#   name: bad-waivable
#   severity: error
#   remediation: fix it
#   waivable: "no"
package apigw.rules.bad_waivable

findings := set()
`}
	_, err := New(t.Context(), Options{Extra: mods})
	if err == nil || err.Error() != "org/bad.rego: rule ORG001: METADATA custom.waivable must be true or false" {
		t.Errorf("got %v", err)
	}
	e := newTestEngine(t, map[string]string{"org/finding.rego": `# METADATA
# title: Finding with a bad waivable
# custom:
#   id: ORG002
#   name: finding-waivable
#   severity: error
#   remediation: fix it
package apigw.rules.finding_waivable

findings contains {"message": "m", "resource": {"kind": "group", "id": "g"}, "waivable": "no"}
`})
	_, errs := eval(t, e, decodeFile(t, "rules/migration_state/testdata/MIG012-migration-failed.json"))
	found := false
	for _, re := range errs {
		found = found || (re.RuleID == "ORG002" && re.Message == "rule ORG002: finding field waivable must be a boolean, not no")
	}
	if !found {
		t.Errorf("rule errors %+v lack ORG002's waivable error", errs)
	}
}

package waiver

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/report"
)

var (
	testNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	no      = false
	// testRules stand for the engine's: MIG002 needs a ticket, MIG010 is
	// not waivable, MIG004 is an ordinary rule.
	testRules = []report.Rule{
		{ID: "MIG002", Name: "custom-rps-ticket", Severity: report.SeverityError, TicketRequired: true},
		{ID: "MIG004", Name: "egress-allowlist", Severity: report.SeverityError},
		{ID: "MIG010", Name: "migration-path", Severity: report.SeverityError, Waivable: &no},
		{ID: "MIG012", Name: "migration-state", Severity: report.SeverityError},
	}
)

// load parses a fixture and checks it as the CLI does.
func load(t *testing.T, file string, pol Policy) ([]Waiver, error) {
	t.Helper()
	ws, err := LoadFile(file)
	if err != nil {
		return nil, err
	}
	return ws, Check(ws, testRules, pol, testNow)
}

// TestInvalidFiles: every malformed waiver file is an *Error naming the
// file, the line and the field, with what to do.
func TestInvalidFiles(t *testing.T) {
	const known = "unknown key (known keys: id, rule, group, destination, key, reason, owner, ticket, expires)"
	cases := []struct {
		file string
		pol  Policy
		want string
	}{
		{"unknown-key.yaml", Policy{}, "unknown-key.yaml:7: waivers[0].approver: " + known},
		{"missing-rule.yaml", Policy{}, "missing-rule.yaml:2: waivers[0].rule: missing; name the rule the waiver accepts, e.g. rule: MIG002 ('apigw-preflight policies list' lists them)"},
		{"missing-group.yaml", Policy{}, "missing-group.yaml:2: waivers[0].group: missing; name the API group (its GroupId or GroupName), e.g. group: payments"},
		{"missing-reason.yaml", Policy{}, "missing-reason.yaml:4: waivers[0].reason: missing; say why the risk is accepted"},
		{"missing-owner.yaml", Policy{}, "missing-owner.yaml:2: waivers[0].owner: missing; name who answers for the accepted risk (a team or a person)"},
		{"missing-expires.yaml", Policy{}, "missing-expires.yaml:2: waivers[0].expires: missing; give the last day the waiver applies as YYYY-MM-DD"},
		{"missing-field.json", Policy{}, "missing-field.json:2: waivers[0].owner: missing; name who answers for the accepted risk (a team or a person)"},
		{"missing-ticket.yaml", Policy{}, "missing-ticket.yaml:7: waivers[1].ticket: missing; rule MIG002 requires a ticket (its METADATA says ticket_required: true): record the support ticket number"},
		{"expires-too-far.yaml", Policy{}, "expires-too-far.yaml:6: waivers[0].expires: 2027-06-30 is more than 90 days after 2026-12-01 (the default maximum of 90 days); give a date on or before 2027-03-01 and renew the waiver when it ends"},
		{"expires-not-a-date.yaml", Policy{}, `expires-not-a-date.yaml:6: waivers[0].expires: "next friday" is not a date; write the last day the waiver applies as YYYY-MM-DD, e.g. 2026-12-31`},
		{"unknown-rule.yaml", Policy{}, "unknown-rule.yaml:2: waivers[0].rule: unknown rule MIG999: no rule of that ID is evaluated in this run ('apigw-preflight policies list' lists them; a disabled rule cannot be waived)"},
		{"not-waivable.yaml", Policy{}, "not-waivable.yaml:2: waivers[0].rule: rule MIG010 cannot be waived: its METADATA says waivable: false (its findings make the migration impossible or destructive); fix the cause instead"},
		{"unknown-top-key.yaml", Policy{}, "unknown-top-key.yaml:1: version: unknown key; a waiver file has one top-level key, waivers"},
		{"no-waivers-key.yaml", Policy{}, "no-waivers-key.yaml:1: waivers: missing; write the list under a top-level waivers: key"},
		{"not-a-list.yaml", Policy{}, "not-a-list.yaml:2: waivers: want a list of waivers (entries beginning with '- rule: ...')"},
		{"entry-not-a-mapping.yaml", Policy{}, "entry-not-a-mapping.yaml:2: waivers[0]: want a mapping with rule, group, reason, owner and expires"},
		{"value-not-text.yaml", Policy{}, "value-not-text.yaml:3: waivers[0].group: want a single value (text)"},
		{"duplicate-key.yaml", Policy{}, "duplicate-key.yaml:4: waivers[0].group: given twice in one waiver; keep one"},
		{"duplicate-id.yaml", Policy{}, `duplicate-id.yaml:7: waivers[1].rule: waiver ID "MIG004/payments" is also used at testdata/invalid/duplicate-id.yaml:2; give each waiver its own id`},
		{"group-pattern.yaml", Policy{}, `group-pattern.yaml:3: waivers[0].group: "pay*" is a pattern, and the policy data does not allow group patterns (waivers.allowGroupPatterns is not true): name one group by GroupId or GroupName`},
		{"bad-pattern.yaml", Policy{AllowGroupPatterns: true}, `bad-pattern.yaml:3: waivers[0].group: pattern "pay[ments" is malformed: syntax error in pattern`},
		{"syntax.yaml", Policy{}, "syntax.yaml:3: found unexpected end of stream; fix the YAML syntax"},
		{"empty.yaml", Policy{}, "empty.yaml: the file is empty; write a top-level waivers: list"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.file] = true
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join("testdata", "invalid", c.file)
			_, err := load(t, path, c.pol)
			we, ok := err.(*Error)
			if !ok {
				t.Fatalf("got %v (%T), want a *waiver.Error", err, err)
			}
			want := "waivers testdata/invalid/" + c.want
			if got := we.Error(); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			if we.File != path || (we.Line == 0 && c.file != "empty.yaml") {
				t.Errorf("error names %s:%d, want %s and a line", we.File, we.Line, path)
			}
		})
	}
	files, _ := os.ReadDir(filepath.Join("testdata", "invalid"))
	for _, f := range files {
		if !seen[f.Name()] {
			t.Errorf("fixture %s has no case", f.Name())
		}
	}
}

// TestPolicyForbids: the policy data tightens what METADATA allows, and
// the error names the setting.
func TestPolicyForbids(t *testing.T) {
	const file = "testdata/valid.yaml"
	cases := []struct {
		name string
		data map[string]any
		want string
	}{
		{"forbid", map[string]any{"waivers": map[string]any{"forbid": []any{"mig004"}}},
			"waivers testdata/valid.yaml:11: waivers[1].rule: waivers for MIG004 are forbidden by the policy data (waivers.forbid lists it); fix the cause instead"},
		{"requireTicket", map[string]any{"waivers": map[string]any{"requireTicket": true}},
			"waivers testdata/valid.yaml:11: waivers[1].ticket: missing; the policy data (waivers.requireTicket) requires a ticket on every waiver"},
		{"maxDays", map[string]any{"waivers": map[string]any{"maxDays": float64(20)}},
			"waivers testdata/valid.yaml:10: waivers[0].expires: 2026-12-31 is more than 20 days after 2026-12-01 (the policy data's waivers.maxDays of 20); give a date on or before 2026-12-21 and renew the waiver when it ends"},
		{"allowed", map[string]any{"waivers": map[string]any{"maxDays": float64(30), "allowGroupPatterns": true}}, ""},
		{"no data", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pol, err := PolicyFrom(c.data)
			if err != nil {
				t.Fatal(err)
			}
			_, err = load(t, file, pol)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestPolicyData: a malformed governance document names the setting.
func TestPolicyData(t *testing.T) {
	cases := []struct {
		doc  any
		want string
	}{
		{"strict", "policy data waivers: want an object with forbid, maxDays, requireTicket, allowGroupPatterns"},
		{map[string]any{"forbid": "MIG001"}, "policy data waivers.forbid: want a list of rule IDs"},
		{map[string]any{"maxDays": 0.5}, "policy data waivers.maxDays: want a whole number of days from 1 to 3650, not 0.5"},
		{map[string]any{"requireTicket": "yes"}, "policy data waivers.requireTicket: want true or false, not yes"},
		{map[string]any{"maxAge": 3}, "policy data waivers.maxAge: unknown setting (known: forbid, maxDays, requireTicket, allowGroupPatterns)"},
	}
	for _, c := range cases {
		_, err := PolicyFrom(map[string]any{"waivers": c.doc})
		if err == nil || err.Error() != c.want {
			t.Errorf("%v: got %v, want %s", c.doc, err, c.want)
		}
	}
	p, err := PolicyFrom(map[string]any{"waivers": map[string]any{"forbid": []any{"mig001", "MIG003"}, "maxDays": float64(30), "requireTicket": true, "allowGroupPatterns": true}})
	want := Policy{Forbid: []string{"MIG001", "MIG003"}, MaxDays: 30, RequireTicket: true, AllowGroupPatterns: true}
	if err != nil || !reflect.DeepEqual(p, want) {
		t.Errorf("got %+v, %v; want %+v", p, err, want)
	}
}

// TestParseValid reads every field, upper-cases the rule and derives the
// ID of an entry without one; JSON reads like YAML.
func TestParseValid(t *testing.T) {
	ws, err := load(t, "testdata/valid.yaml", Policy{})
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		ID, Rule, Group, Destination, Key, Reason, Owner, Ticket, Expires, File string
		Line                                                                    int
		Derived                                                                 bool
	}
	var got []view
	for _, w := range ws {
		got = append(got, view{w.ID, w.Rule, w.Group, w.Destination, w.Key, w.Reason, w.Owner, w.Ticket, w.Expires, w.File, w.Line, w.Derived})
	}
	want := []view{
		{"payments-rps", "MIG002", "payments", "apigateway-hz-3f9a1c7e2b84", "", "Alibaba Cloud support migrates the group (custom RPS 800).", "team-payments", "SR-0042", "2026-12-31", "testdata/valid.yaml", 3, false},
		{"MIG004/9f4b2a61c0d84e7fa35b6c19e2d07f48/47.97.21.8", "MIG004", "9f4b2a61c0d84e7fa35b6c19e2d07f48", "", "47.97.21.8", "the backend's allowlist change is scheduled", "team-payments", "", "2026-12-10", "testdata/valid.yaml", 11, true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if u := ws[0].Until(); !u.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("until %s, want the end of 2026-12-31", u)
	}
	js, err := load(t, "testdata/valid.json", Policy{})
	if err != nil || len(js) != 1 || js[0].ID != "MIG004/orders" || js[0].Line != 1 {
		t.Errorf("json: got %+v, %v", js, err)
	}
	if !strings.Contains(ws[0].label(), "MIG002 on group payments to apigateway-hz-3f9a1c7e2b84") {
		t.Errorf("label %q", ws[0].label())
	}
}

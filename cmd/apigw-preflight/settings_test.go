package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// findingsOf decodes a JSON report into "RULE severity" per finding and the
// IDs of the rules evaluated, for the first migration.
func findingsOf(t *testing.T, raw []byte) (found, evaluated []string) {
	t.Helper()
	var rep struct {
		Migrations []struct {
			Findings []struct {
				RuleID   string `json:"ruleId"`
				Severity string `json:"severity"`
				Message  string `json:"message"`
			} `json:"findings"`
			RulesEvaluated []string `json:"rulesEvaluated"`
		} `json:"migrations"`
		Rules []map[string]any `json:"rules"`
	}
	if err := json.Unmarshal(raw, &rep); err != nil || len(rep.Migrations) != 1 {
		t.Fatalf("json report: %v\n%s", err, raw)
	}
	for _, f := range rep.Migrations[0].Findings {
		found = append(found, f.RuleID+" "+f.Severity)
	}
	var described []string
	for _, r := range rep.Rules {
		described = append(described, r["id"].(string))
		if _, ok := r["params"]; ok {
			t.Errorf("report rule %s carries params; reports keep their rule descriptors as they were", r["id"])
		}
	}
	if !reflect.DeepEqual(described, rep.Migrations[0].RulesEvaluated) {
		t.Errorf("report describes rules %v but evaluated %v", described, rep.Migrations[0].RulesEvaluated)
	}
	return found, rep.Migrations[0].RulesEvaluated
}

// sampleNow is a day after the samples were collected: AGP001 stays quiet.
const sampleNow = "2026-11-21T00:00:00Z"

func TestSetFlag(t *testing.T) {
	capacity := repoFile(t, "policies/rules/rps_capacity/testdata/MIG001-peak-over-limit.json")
	expiring := repoFile(t, "policies/rules/destination_ready/testdata/MIG011-expires-soon.json")
	drain := repoFile(t, "policies/rules/source_drain/testdata/MIG013-dedicated-source.json")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // a line of the text report, or "" when exit 2
		stderr string // the whole message, on exit 2
	}{
		{"default headroom", []string{capacity}, exitGateFailed, "needs 4,020 RPS", ""},
		{"--set by ID", []string{"--set", "MIG001.rpsHeadroom=0.5", capacity}, exitGateFailed, "needs 4,950 RPS", ""},
		{"--set by name", []string{"--set", "rps-capacity.rpsHeadroom=0.5", capacity}, exitGateFailed, "plus 50% headroom", ""},
		{"alias flag", []string{"--rps-headroom", "0", capacity}, exitGateFailed, "needs 3,400 RPS", ""},
		{"disabled", []string{"--set", "MIG001.enabled=false", capacity}, exitPass, "0 errors, 0 warnings, 1 note", ""},
		{"severity lowered", []string{"--set", "MIG001.severity=warning", capacity}, exitPass, "0 errors, 1 warning, 1 note", ""},
		{"severity lowered, stricter gate", []string{"--set", "MIG001.severity=warning", "--fail-on", "warning", capacity}, exitGateFailed, "WARNING MIG001 rps-capacity", ""},
		{"window parameter", []string{"--set", "destination-ready.expiryWindowDays=5", expiring}, exitPass, "0 errors, 0 warnings, 1 note", ""},
		{"window alias", []string{"--expiry-window-days", "5", expiring}, exitPass, "0 errors, 0 warnings, 1 note", ""},
		// MIG011 is an error rule that rates an expiry soon a warning: an
		// error override leaves that warning as the rule rated it.
		{"explicit rating kept", []string{"--set", "MIG011.severity=error", expiring}, exitPass, "WARNING MIG011 destination-ready", ""},
		{"note rule raised", []string{"--set", "source-drain.severity=error", drain}, exitGateFailed, "ERROR   MIG013 source-drain", ""},
		{"unknown rule", []string{"--set", "MIG099.rpsHeadroom=1", capacity}, exitUsage, "",
			`apigw-preflight: --set MIG099.rpsHeadroom: unknown rule "MIG099"; the rules are MIG001, MIG002, MIG003 ... MIG026, by ID or name (apigw-preflight policies list)`},
		{"unknown parameter", []string{"--set", "MIG001.headroom=1", capacity}, exitUsage, "",
			`apigw-preflight: --set MIG001.headroom: rule MIG001 rps-capacity has no parameter "headroom"; its parameters are rpsHeadroom, serverlessGroupRps (and enabled, severity)`},
		{"bad value", []string{"--set", "MIG001.rpsHeadroom=lots", capacity}, exitUsage, "",
			`apigw-preflight: --set MIG001.rpsHeadroom: MIG001 rps-capacity rpsHeadroom: "lots": want a number`},
		{"alias out of bounds", []string{"--rps-headroom", "11", capacity}, exitUsage, "",
			`apigw-preflight: --rps-headroom: MIG001 rps-capacity rpsHeadroom: "11": want 10 or less`},
		{"alias not whole", []string{"--default-group-rps", "1.5", capacity}, exitUsage, "",
			`apigw-preflight: --default-group-rps: MIG002 custom-rps-ticket defaultGroupRps: "1.5": want a whole number`},
		{"malformed", []string{"--set", "MIG001=0.3", capacity}, exitUsage, "",
			`apigw-preflight: --set "MIG001=0.3": want RULE.KEY=VALUE, such as MIG001.rpsHeadroom=0.3 or source-drain.enabled=false`},
		{"alias and --set together", []string{"--set", "MIG001.rpsHeadroom=0.1", "--rps-headroom", "0.2", capacity}, exitUsage, "",
			"apigw-preflight: --rps-headroom: MIG001 rps-capacity rpsHeadroom is already set at --set MIG001.rpsHeadroom; set it once"},
		{"bad severity", []string{"--set", "MIG001.severity=fatal", capacity}, exitUsage, "",
			`apigw-preflight: --set MIG001.severity: MIG001 rps-capacity severity "fatal": want error, warning or note`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, t.TempDir(), nil, append([]string{"check", "--now", sampleNow}, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tc.code, r.stdout, r.stderr)
			}
			if tc.code == exitUsage {
				if strings.TrimSpace(r.stderr) != tc.stderr || r.stdout != "" {
					t.Errorf("stderr %q\nwant   %q\nstdout %q", r.stderr, tc.stderr, r.stdout)
				}
				return
			}
			if !strings.Contains(r.stdout, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, r.stdout)
			}
		})
	}
}

func TestRulesSectionOfTheConfigFile(t *testing.T) {
	dir := t.TempDir()
	capacity := repoFile(t, "policies/rules/rps_capacity/testdata/MIG001-peak-over-limit.json")
	check := func(config string, args ...string) cliResult {
		t.Helper()
		write(t, dir, "c.yaml", config)
		return runCLI(t, dir, nil, append([]string{"check", "--now", sampleNow, "--config", "c.yaml", "-f", "json=r.json", "-f", "text"}, args...)...)
	}
	report := func() []byte {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join(dir, "r.json"))
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(dir, "r.json"))
		return raw
	}

	// A parameter, by name.
	r := check("rules:\n  rps-capacity:\n    rpsHeadroom: 0.5\n", capacity)
	if r.code != exitGateFailed || !strings.Contains(r.stdout, "needs 4,950 RPS") {
		t.Fatalf("rpsHeadroom 0.5: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	found, _ := findingsOf(t, report())
	if !reflect.DeepEqual(found, []string{"MIG001 error", "MIG022 note"}) {
		t.Errorf("findings %v", found)
	}
	// The key that predates the rules section still works; a flag beats it.
	if r = check("rpsHeadroom: 0.5\n", capacity); !strings.Contains(r.stdout, "needs 4,950 RPS") {
		t.Errorf("top-level rpsHeadroom: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	report()
	if r = check("rules:\n  MIG001: {rpsHeadroom: 0.5}\n", "--rps-headroom", "0", capacity); !strings.Contains(r.stdout, "needs 3,400 RPS") {
		t.Errorf("--rps-headroom over the file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	report()

	// Disabled: not evaluated, not in the report.
	r = check("rules:\n  MIG001:\n    enabled: false\n  source-drain: {enabled: false}\n", capacity)
	if r.code != exitPass {
		t.Fatalf("disabled: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	found, evaluated := findingsOf(t, report())
	if !reflect.DeepEqual(found, []string{"MIG022 note"}) || len(evaluated) != 23 || contains(evaluated, "MIG001") || contains(evaluated, "MIG013") || !contains(evaluated, "MIG002") {
		t.Errorf("disabled: findings %v, evaluated %v", found, evaluated)
	}
	// --set enables it again.
	r = check("rules:\n  MIG001:\n    enabled: false\n", "--set", "MIG001.enabled=true", capacity)
	if found, evaluated := findingsOf(t, report()); r.code != exitGateFailed || !reflect.DeepEqual(found, []string{"MIG001 error", "MIG022 note"}) || len(evaluated) != 25 {
		t.Errorf("enabled by --set: exit %d, findings %v, evaluated %d", r.code, found, len(evaluated))
	}

	// Severity: the finding takes it, and so does the gate.
	r = check("failOn: error\nrules:\n  MIG001:\n    severity: note\n", capacity)
	if found, _ := findingsOf(t, report()); r.code != exitPass || !reflect.DeepEqual(found, []string{"MIG001 note", "MIG022 note"}) {
		t.Errorf("severity note: exit %d, findings %v", r.code, found)
	}

	// Bad settings name the file and the line, and stop with exit 2 before
	// any report is written.
	for _, tc := range []struct{ config, want string }{
		{"rules:\n  MIG001:\n    headroom: 0.5\n",
			`apigw-preflight: config c.yaml:3: rule MIG001 rps-capacity has no parameter "headroom"; its parameters are rpsHeadroom, serverlessGroupRps (and enabled, severity)`},
		{"failOn: note\nrules:\n  rps-capacty:\n    rpsHeadroom: 0.5\n",
			`apigw-preflight: config c.yaml:4: unknown rule "rps-capacty"; the rules are MIG001, MIG002, MIG003 ... MIG026, by ID or name (apigw-preflight policies list)`},
		{"rules:\n  MIG001:\n    rpsHeadroom: \"0.5\"\n",
			`apigw-preflight: config c.yaml:3: MIG001 rps-capacity rpsHeadroom: "0.5": want a number, not a string (remove the quotes)`},
		{"rules:\n  MIG013:\n    enabled: no\n",
			`apigw-preflight: config c.yaml:3: MIG013 source-drain enabled: "no": want true or false`},
		{"rules:\n  MIG001: {rpsHeadroom: 0.1}\n  rps-capacity: {rpsHeadroom: 0.2}\n",
			"apigw-preflight: config c.yaml:3: MIG001 rps-capacity rpsHeadroom is already set at config c.yaml:2; set it once"},
		{"rpsHeadroom: 0.1\nrules:\n  MIG001: {rpsHeadroom: 0.2}\n",
			"apigw-preflight: config c.yaml:3: MIG001 rps-capacity rpsHeadroom is already set at config c.yaml:1; set it once"},
		{"rules:\n  MIG001: 0.5\n",
			"apigw-preflight: config c.yaml:2: rules.MIG001: want a mapping of settings (enabled, severity or the rule's parameters)"},
	} {
		r := check(tc.config, capacity)
		if r.code != exitUsage || strings.TrimSpace(r.stderr) != tc.want || r.stdout != "" {
			t.Errorf("config %q: exit %d\nstderr %q\nwant   %q", tc.config, r.code, r.stderr, tc.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "r.json")); err == nil {
			t.Errorf("config %q: a report was written", tc.config)
			report()
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// run takes the same settings; a bad one stops it before any cloud call.
func TestRunRuleSettings(t *testing.T) {
	em := startMigrateEmulator(t)
	dir := t.TempDir()
	args := []string{"run", "--group", "g-locked", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", em.url, "-f", "json"}
	r := runCLI(t, dir, goodKeys, args...)
	if found, _ := findingsOf(t, []byte(r.stdout)); r.code != exitGateFailed || !reflect.DeepEqual(found, []string{"MIG014 error", "MIG026 warning", "MIG022 note"}) {
		t.Fatalf("locked group: exit %d, findings %v\n%s", r.code, found, r.stderr)
	}
	r = runCLI(t, dir, goodKeys, append(args, "--set", "group-state.severity=warning")...)
	if found, _ := findingsOf(t, []byte(r.stdout)); r.code != exitPass || !reflect.DeepEqual(found, []string{"MIG014 warning", "MIG026 warning", "MIG022 note"}) {
		t.Errorf("MIG014 as a warning: exit %d, findings %v\n%s", r.code, found, r.stderr)
	}
	write(t, dir, "off.yaml", "rules:\n  MIG014:\n    enabled: false\n")
	r = runCLI(t, dir, goodKeys, append(args, "--config", "off.yaml")...)
	if found, evaluated := findingsOf(t, []byte(r.stdout)); r.code != exitPass || !reflect.DeepEqual(found, []string{"MIG026 warning", "MIG022 note"}) || contains(evaluated, "MIG014") {
		t.Errorf("MIG014 disabled: exit %d, findings %v, evaluated %v\n%s", r.code, found, evaluated, r.stderr)
	}

	calls := em.srv.Calls("DescribeApiGroup")
	write(t, dir, "bad.yaml", "rules:\n  MIG014:\n    enabled: off\n")
	r = runCLI(t, dir, goodKeys, append(args, "--config", "bad.yaml")...)
	if r.code != exitUsage || !strings.Contains(r.stderr, `config bad.yaml:3: MIG014 group-state enabled: "off": want true or false`) {
		t.Errorf("bad config: exit %d, stderr %s", r.code, r.stderr)
	}
	r = runCLI(t, dir, goodKeys, append(args, "--set", "MIG014.x=1")...)
	if r.code != exitUsage || !strings.Contains(r.stderr, `--set MIG014.x: rule MIG014 group-state has no parameter "x"`) {
		t.Errorf("bad --set: exit %d, stderr %s", r.code, r.stderr)
	}
	if n := em.srv.Calls("DescribeApiGroup") - calls; n != 0 {
		t.Errorf("%d DescribeApiGroup calls after a bad setting, want none", n)
	}
}

func TestPoliciesListShowsParams(t *testing.T) {
	r := runCLI(t, t.TempDir(), nil, "policies", "list", "-o", "json")
	if r.code != exitPass {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rules []struct {
		ID     string           `json:"id"`
		Params []map[string]any `json:"params"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rules); err != nil {
		t.Fatal(err)
	}
	got := map[string][]map[string]any{}
	for _, r := range rules {
		if r.Params != nil {
			got[r.ID] = r.Params
		}
	}
	want := map[string][]map[string]any{
		"MIG001": {{"name": "rpsHeadroom", "type": "number", "default": 0.2, "min": 0.0, "max": 10.0,
			"description": "Capacity the destination must have above the group's observed peak, as a fraction (0.2 keeps 20% spare)."},
			{"name": "serverlessGroupRps", "type": "integer", "default": 2500.0, "min": 1.0,
				"description": "The RPS a serverless instance (VPC_SHARED) allows per group, used when a serverless destination reports no limit of its own. The Serverless instances page says 2,500, the Limits page 2,000: set 2000 to plan with the lower figure."}},
		"MIG002": {{"name": "defaultGroupRps", "type": "integer", "default": 500.0, "min": 1.0,
			"description": "The default group RPS limit; a group whose TrafficLimit differs from it needs a support ticket."}},
		"MIG011": {{"name": "expiryWindowDays", "type": "integer", "default": 30.0, "min": 0.0,
			"description": "Warn when a subscription destination expires within this many days of the snapshot's collectedAt."}},
		"MIG026": {{"name": "marginMinutes", "type": "integer", "default": 120.0, "min": 0.0, "max": 720.0,
			"description": "How close to the maintenance window, in minutes before its start or after its end, a snapshot's time still counts as too close."}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("params = %v\nwant %v", got, want)
	}

	r = runCLI(t, t.TempDir(), nil, "policies", "list")
	lines := strings.Split(r.stdout, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "MIG001 ") && (i+1 >= len(lines) || strings.TrimSpace(lines[i+1]) != "params: rpsHeadroom=0.2 serverlessGroupRps=2500") {
			t.Errorf("text list: no params line under MIG001:\n%s", r.stdout)
		}
	}
	if n := strings.Count(r.stdout, "params: "); n != 4 {
		t.Errorf("text list has %d params lines, want 4:\n%s", n, r.stdout)
	}
}

func TestSetFlagHelp(t *testing.T) {
	for _, cmd := range []string{"check", "run"} {
		r := runCLI(t, t.TempDir(), nil, cmd, "--help")
		for _, want := range []string{
			"--set RULE.KEY=VALUE",
			"--rps-headroom FRACTION", "the same as --set MIG001.rpsHeadroom=FRACTION",
			"--default-group-rps LIMIT", "the same as --set MIG002.defaultGroupRps=LIMIT",
			"--expiry-window-days DAYS", "the same as --set MIG011.expiryWindowDays=DAYS",
		} {
			if r.code != exitPass || !strings.Contains(r.stdout, want) {
				t.Errorf("%s --help (exit %d) lacks %q", cmd, r.code, want)
			}
		}
	}
}

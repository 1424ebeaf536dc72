package policies

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/report"
)

func ptr(f float64) *float64 { return &f }

// The built-in tunables, read from the rules' METADATA: the only place
// their defaults are written.
func TestBuiltinParams(t *testing.T) {
	want := map[string][]report.Param{
		"MIG001": {{Name: "rpsHeadroom", Type: "number", Default: 0.2, Min: ptr(0), Max: ptr(10),
			Description: "Capacity the destination must have above the group's observed peak, as a fraction (0.2 keeps 20% spare)."},
			{Name: "serverlessGroupRps", Type: "integer", Default: int64(2500), Min: ptr(1),
				Description: "The RPS a serverless instance (VPC_SHARED) allows per group, used when a serverless destination reports no limit of its own. The Serverless instances page says 2,500, the Limits page 2,000: set 2000 to plan with the lower figure."}},
		"MIG002": {{Name: "defaultGroupRps", Type: "integer", Default: int64(500), Min: ptr(1),
			Description: "The default group RPS limit; a group whose TrafficLimit differs from it needs a support ticket."}},
		"MIG011": {{Name: "expiryWindowDays", Type: "integer", Default: int64(30), Min: ptr(0),
			Description: "Warn when a subscription destination expires within this many days of the snapshot's collectedAt."}},
		"MIG026": {{Name: "marginMinutes", Type: "integer", Default: int64(120), Min: ptr(0), Max: ptr(720),
			Description: "How close to the maintenance window, in minutes before its start or after its end, a snapshot's time still counts as too close."}},
	}
	got := map[string][]report.Param{}
	for _, r := range newTestEngine(t, nil).Rules() {
		if len(r.Params) > 0 {
			got[r.ID] = r.Params
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("params = %#v\nwant %#v", got, want)
	}
}

// paramRule declares one parameter of each type and reports the values it
// reads, with their Rego types.
const paramRule = `# METADATA
# title: Parameter probe
# custom:
#   id: ZZZ910
#   name: param-probe
#   severity: warning
#   remediation: None.
#   params:
#     - name: ratio
#       type: number
#       default: 0.5
#       min: 0
#       max: 1
#       description: A fraction.
#     - name: count
#       type: integer
#       default: 3
#       description: A count.
#     - name: strict
#       type: boolean
#       default: false
#       description: A switch.
#     - name: label
#       type: string
#       default: prod
#       description: A word.
#     - name: window
#       type: duration
#       default: 7d
#       description: A span.
package apigw.rules.zz_param_probe

import data.apigw.lib

_names := ["ratio", "count", "strict", "label", "window"]

findings contains {"message": concat(" ", [sprintf("%s=%v:%s", [n, v, type_name(v)]) |
	some n in _names
	v := lib.param(rego.metadata.chain(), n)
])} if input.probe
`

func probe(t *testing.T, settings ...Setting) string {
	t.Helper()
	e, err := New(context.Background(), Options{Extra: map[string]string{"org/probe.rego": paramRule}, Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	fs, errs := eval(t, e, map[string]any{"probe": true})
	var msgs []string
	for _, f := range fs {
		if f.RuleID == "ZZZ910" {
			msgs = append(msgs, f.Message)
		}
	}
	if len(errs) > 0 || len(msgs) != 1 {
		t.Fatalf("findings %v, errors %v", msgs, errs)
	}
	return msgs[0]
}

func TestParamValuesReachTheRule(t *testing.T) {
	const defaults = "ratio=0.5:number count=3:number strict=false:boolean label=prod:string window=604800000000000:number"
	if got := probe(t); got != defaults {
		t.Errorf("defaults: %s\nwant      %s", got, defaults)
	}
	// Typed values, as the configuration file gives them.
	got := probe(t,
		Setting{Rule: "ZZZ910", Key: "ratio", Value: 1, Where: "f:1", Layer: "file"},
		Setting{Rule: "param-probe", Key: "count", Value: 12, Where: "f:2", Layer: "file"},
		Setting{Rule: "ZZZ910", Key: "strict", Value: true, Where: "f:3", Layer: "file"},
		Setting{Rule: "ZZZ910", Key: "label", Value: "staging", Where: "f:4", Layer: "file"},
		Setting{Rule: "ZZZ910", Key: "window", Value: "36h", Where: "f:5", Layer: "file"},
	)
	if want := "ratio=1:number count=12:number strict=true:boolean label=staging:string window=129600000000000:number"; got != want {
		t.Errorf("file values: %s\nwant         %s", got, want)
	}
	// Text, as flags give it; a later layer beats an earlier one.
	got = probe(t,
		Setting{Rule: "ZZZ910", Key: "ratio", Value: 1, Where: "f:1", Layer: "file"},
		Setting{Rule: "ZZZ910", Key: "ratio", Value: "0.25", Text: true, Where: "--set", Layer: "flags"},
		Setting{Rule: "zzz910", Key: "count", Value: " 7 ", Text: true, Where: "--set", Layer: "flags"},
		Setting{Rule: "ZZZ910", Key: "strict", Value: "true", Text: true, Where: "--set", Layer: "flags"},
		Setting{Rule: "ZZZ910", Key: "label", Value: "12", Text: true, Where: "--set", Layer: "flags"},
		Setting{Rule: "ZZZ910", Key: "window", Value: "90m", Text: true, Where: "--set", Layer: "flags"},
	)
	if want := "ratio=0.25:number count=7:number strict=true:boolean label=12:string window=5400000000000:number"; got != want {
		t.Errorf("flag values: %s\nwant         %s", got, want)
	}
}

func TestSettingErrors(t *testing.T) {
	file := func(rule, key string, v any) Setting {
		return Setting{Rule: rule, Key: key, Value: v, Where: "config c.yaml:9", Layer: "file"}
	}
	flag := func(rule, key, v string) Setting {
		return Setting{Rule: rule, Key: key, Value: v, Text: true, Where: "--set " + rule + "." + key, Layer: "flags"}
	}
	for _, tc := range []struct {
		name     string
		settings []Setting
		want     string
	}{
		{"unknown rule", []Setting{file("MIG099", "x", 1)},
			`config c.yaml:9: unknown rule "MIG099"; the rules are MIG001, MIG002, MIG003 ... ZZZ910, by ID or name (apigw-preflight policies list)`},
		{"tool rule", []Setting{flag("AGP001", "enabled", "false")},
			"--set AGP001.enabled: AGP001 snapshot-stale is a tool rule, set with --max-age (0 turns it off)"},
		{"unknown parameter", []Setting{file("rps-capacity", "headroom", 0.3)},
			`config c.yaml:9: rule MIG001 rps-capacity has no parameter "headroom"; its parameters are rpsHeadroom, serverlessGroupRps (and enabled, severity)`},
		{"rule without parameters", []Setting{flag("MIG013", "window", "1")},
			`--set MIG013.window: rule MIG013 source-drain has no parameter "window"; it has no parameters, only enabled and severity`},
		{"string for a number", []Setting{file("MIG001", "rpsHeadroom", "lots")},
			`config c.yaml:9: MIG001 rps-capacity rpsHeadroom: "lots": want a number`},
		{"quoted number", []Setting{file("MIG001", "rpsHeadroom", "0.3")},
			`config c.yaml:9: MIG001 rps-capacity rpsHeadroom: "0.3": want a number, not a string (remove the quotes)`},
		{"above max", []Setting{flag("MIG001", "rpsHeadroom", "10.5")},
			`--set MIG001.rpsHeadroom: MIG001 rps-capacity rpsHeadroom: "10.5": want 10 or less`},
		{"below min", []Setting{file("MIG002", "defaultGroupRps", 0)},
			`config c.yaml:9: MIG002 custom-rps-ticket defaultGroupRps: 0: want 1 or more`},
		{"fraction for an integer", []Setting{file("MIG011", "expiryWindowDays", 2.5)},
			`config c.yaml:9: MIG011 destination-ready expiryWindowDays: 2.5: want a whole number`},
		{"not a number", []Setting{flag("MIG011", "expiryWindowDays", "NaN")},
			`--set MIG011.expiryWindowDays: MIG011 destination-ready expiryWindowDays: "NaN": want a whole number`},
		{"string for a boolean", []Setting{file("ZZZ910", "strict", "yes")},
			`config c.yaml:9: ZZZ910 param-probe strict: "yes": want true or false`},
		{"number for a string", []Setting{file("ZZZ910", "label", 5)},
			`config c.yaml:9: ZZZ910 param-probe label: 5: want a string (quote it)`},
		{"bad duration", []Setting{flag("ZZZ910", "window", "a week")},
			`--set ZZZ910.window: ZZZ910 param-probe window: "a week": want a duration such as 36h, 90m or 7d`},
		{"enabled not a boolean", []Setting{file("MIG013", "enabled", "no")},
			`config c.yaml:9: MIG013 source-drain enabled: "no": want true or false`},
		{"bad severity", []Setting{flag("MIG013", "severity", "fatal")},
			`--set MIG013.severity: MIG013 source-drain severity "fatal": want error, warning or note`},
		{"severity not a string", []Setting{file("MIG013", "severity", 3)},
			`config c.yaml:9: MIG013 source-drain severity 3: want error, warning or note`},
		{"twice in one layer, by ID and name", []Setting{file("MIG001", "rpsHeadroom", 0.1),
			{Rule: "rps-capacity", Key: "rpsHeadroom", Value: 0.2, Where: "config c.yaml:12", Layer: "file"}},
			"config c.yaml:12: MIG001 rps-capacity rpsHeadroom is already set at config c.yaml:9; set it once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(context.Background(), Options{Extra: map[string]string{"org/probe.rego": paramRule}, Settings: tc.settings})
			var se *SettingError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *SettingError", err, err)
			}
			if err.Error() != tc.want {
				t.Errorf("err = %s\nwant  %s", err, tc.want)
			}
		})
	}
}

// A disabled rule is not evaluated: its findings, and even its evaluation
// errors, are gone, and the engine no longer lists it.
func TestDisabledRuleIsNotEvaluated(t *testing.T) {
	extra := map[string]string{"extra/broken.rego": brokenRule}
	doc := decodeFile(t, "rules/rps_capacity/testdata/MIG001-peak-over-limit.json")
	doc["n"] = "not a number"
	ids := func(e *Engine) (rules, found, failed []string) {
		for _, r := range e.Rules() {
			rules = append(rules, r.ID)
		}
		fs, errs := eval(t, e, doc)
		for _, f := range fs {
			found = append(found, f.RuleID)
		}
		for _, re := range errs {
			failed = append(failed, re.RuleID)
		}
		return
	}
	on := newTestEngine(t, extra)
	rules, found, failed := ids(on)
	if !contains(rules, "MIG001") || !contains(found, "MIG001") || !reflect.DeepEqual(failed, []string{"ZZZ902"}) {
		t.Fatalf("enabled: rules %v, findings %v, errors %v", rules, found, failed)
	}
	off, err := New(context.Background(), Options{Extra: extra, Settings: []Setting{
		{Rule: "rps-capacity", Key: "enabled", Value: false, Where: "f:1", Layer: "file"},
		{Rule: "ZZZ902", Key: "enabled", Value: "false", Text: true, Where: "--set", Layer: "flags"},
		{Rule: "MIG013", Key: "enabled", Value: false, Where: "f:2", Layer: "file"},
		{Rule: "MIG013", Key: "enabled", Value: "true", Text: true, Where: "--set", Layer: "flags"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	rules2, found2, failed2 := ids(off)
	if len(rules2) != len(rules)-2 || contains(rules2, "MIG001") || contains(rules2, "ZZZ902") || !contains(rules2, "MIG013") {
		t.Errorf("disabled: rules %v", rules2)
	}
	if contains(found2, "MIG001") || len(failed2) != 0 {
		t.Errorf("disabled: findings %v, errors %v", found2, failed2)
	}
	if len(found2) != len(found)-1 {
		t.Errorf("disabled: findings %v, want those of %v but MIG001's", found2, found)
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

// severityRule has default severity warning and reports one finding at the
// default, one it rates error and one it rates note.
const severityRule = `# METADATA
# title: Severity probe
# custom:
#   id: ZZZ911
#   name: severity-probe
#   severity: warning
#   remediation: None.
package apigw.rules.zz_severity_probe

findings contains {"message": "at default"}

findings contains {"message": "rated error", "severity": "error"}

findings contains {"message": "rated note", "severity": "note"}
`

func TestSeverityOverride(t *testing.T) {
	for _, tc := range []struct {
		override string
		rule     report.Severity
		want     map[string]report.Severity
	}{
		{"", report.SeverityWarning, map[string]report.Severity{
			"at default": report.SeverityWarning, "rated error": report.SeverityError, "rated note": report.SeverityNote}},
		{"warning", report.SeverityWarning, map[string]report.Severity{
			"at default": report.SeverityWarning, "rated error": report.SeverityError, "rated note": report.SeverityNote}},
		// Raised: the default moves up; the others keep their rating.
		{"error", report.SeverityError, map[string]report.Severity{
			"at default": report.SeverityError, "rated error": report.SeverityError, "rated note": report.SeverityNote}},
		// Lowered: nothing stays above the override.
		{"note", report.SeverityNote, map[string]report.Severity{
			"at default": report.SeverityNote, "rated error": report.SeverityNote, "rated note": report.SeverityNote}},
	} {
		t.Run("severity "+tc.override, func(t *testing.T) {
			var settings []Setting
			if tc.override != "" {
				settings = []Setting{{Rule: "severity-probe", Key: "severity", Value: tc.override, Where: "f:1", Layer: "file"}}
			}
			e, err := New(context.Background(), Options{Extra: map[string]string{"org/sev.rego": severityRule}, Settings: settings})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]report.Severity{}
			fs, _ := eval(t, e, map[string]any{})
			for _, f := range fs {
				if f.RuleID == "ZZZ911" {
					got[f.Message] = f.Severity
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("findings = %v, want %v", got, tc.want)
			}
			for _, r := range e.Rules() {
				if r.ID == "ZZZ911" && r.Severity != tc.rule {
					t.Errorf("rule severity %s, want %s", r.Severity, tc.rule)
				}
			}
		})
	}
}

// An override of a built-in rule: MIG011's expired destination (an error)
// becomes a warning, so an error gate passes it.
func TestSeverityOverrideOfBuiltinRule(t *testing.T) {
	doc := decodeFile(t, "rules/destination_ready/testdata/MIG011-destination-stopped.json")
	sev := func(settings ...Setting) []report.Severity {
		e, err := New(context.Background(), Options{Settings: settings})
		if err != nil {
			t.Fatal(err)
		}
		fs, _ := eval(t, e, doc)
		var out []report.Severity
		for _, f := range fs {
			if f.RuleID == "MIG011" {
				out = append(out, f.Severity)
			}
		}
		return out
	}
	if got := sev(); !reflect.DeepEqual(got, []report.Severity{report.SeverityError}) {
		t.Fatalf("default: %v", got)
	}
	if got := sev(Setting{Rule: "destination-ready", Key: "severity", Value: "warning", Where: "f:1", Layer: "file"}); !reflect.DeepEqual(got, []report.Severity{report.SeverityWarning}) {
		t.Errorf("severity warning: %v", got)
	}
}

func TestParamMetadataErrors(t *testing.T) {
	decl := func(lines ...string) string {
		return strings.Replace(extraRule, "#   tags: [test]\n", "#   tags: [test]\n#   params:\n"+strings.Join(lines, "\n")+"\n", 1)
	}
	for _, tc := range []struct{ name, src, want string }{
		{"not a list", strings.Replace(extraRule, "#   tags: [test]\n", "#   tags: [test]\n#   params: 5\n", 1),
			"extra/x.rego: rule ZZZ901: METADATA custom.params: want a list of {name, type, default, description}"},
		{"no name", decl("#     - {type: number, default: 1, description: d}"),
			"extra/x.rego: rule ZZZ901: METADATA custom.params[0]: name <nil>: want a camelCase name such as rpsHeadroom"},
		{"bad name", decl("#     - {name: rps-headroom, type: number, default: 1, description: d}"),
			"extra/x.rego: rule ZZZ901: METADATA custom.params[0] (rps-headroom): name rps-headroom: want a camelCase name such as rpsHeadroom"},
		{"reserved name", decl("#     - {name: enabled, type: boolean, default: true, description: d}"),
			`extra/x.rego: rule ZZZ901: METADATA custom.params[0] (enabled): name "enabled" is reserved for the rule's own setting`},
		{"bad type", decl("#     - {name: x, type: float, default: 1, description: d}"),
			"extra/x.rego: rule ZZZ901: METADATA custom.params[0] (x): type float: want one of number, integer, string, boolean, duration"},
		{"no default", decl("#     - {name: x, type: number, description: d}"),
			"extra/x.rego: rule ZZZ901: METADATA custom.params[0] (x): needs a default (the value the rule uses unless a setting changes it)"},
		{"default of the wrong type", decl("#     - {name: x, type: integer, default: 1.5, description: d}"),
			"extra/x.rego: rule ZZZ901: METADATA custom.params[0] (x): default: 1.5: want a whole number"},
		{"default out of bounds", decl("#     - {name: x, type: number, default: 2, max: 1, description: d}"),
			"extra/x.rego: rule ZZZ901: METADATA custom.params[0] (x): default: 2: want 1 or less"},
		{"bad duration default", decl("#     - {name: x, type: duration, default: soon, description: d}"),
			`extra/x.rego: rule ZZZ901: METADATA custom.params[0] (x): default: "soon": want a duration such as 36h, 90m or 7d`},
		{"bounds on a string", decl("#     - {name: x, type: string, default: a, min: 1, description: d}"),
			"extra/x.rego: rule ZZZ901: METADATA custom.params[0] (x): min applies to number and integer parameters only"},
		{"min above max", decl("#     - {name: x, type: number, default: 1, min: 2, max: 1, description: d}"),
			"extra/x.rego: rule ZZZ901: METADATA custom.params[0] (x): min 2 is above max 1"},
		{"no description", decl("#     - {name: x, type: number, default: 1}"),
			"extra/x.rego: rule ZZZ901: METADATA custom.params[0] (x): needs a description saying what the parameter changes"},
		{"unknown key", decl("#     - {name: x, type: number, default: 1, description: d, unit: rps}"),
			`extra/x.rego: rule ZZZ901: METADATA custom.params[0] (x): unknown key "unit" (known keys: name, type, default, description, min, max)`},
		{"declared twice", decl("#     - {name: x, type: number, default: 1, description: d}", "#     - {name: x, type: number, default: 2, description: d}"),
			`extra/x.rego: rule ZZZ901: METADATA custom.params declares "x" twice`},
		{"reads an undeclared parameter", decl("#     - {name: x, type: number, default: 1, description: d}") +
			"\nimport data.apigw.lib\n\n_y := lib.param(rego.metadata.chain(), \"y\")\n",
			`extra/x.rego:22: rule ZZZ901 reads parameter "y", which its METADATA custom.params does not declare`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(context.Background(), Options{Extra: map[string]string{"extra/x.rego": tc.src}})
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
}

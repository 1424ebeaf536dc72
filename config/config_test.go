package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigExample(t *testing.T) {
	cfg, err := LoadConfig("../testdata/config/example.yaml", true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != "../testdata/config/example.yaml" || len(cfg.Allowlists) != 5 {
		t.Fatalf("config = %+v", cfg)
	}
	if cfg.Lookback != 7*24*time.Hour || cfg.FailOn != "warning" {
		t.Errorf("scalars = %v %q", cfg.Lookback, cfg.FailOn)
	}
	want := []RuleSetting{
		{Rule: "MIG001", Key: "rpsHeadroom", Value: 0.2, Line: 41},
		{Rule: "custom-rps-ticket", Key: "defaultGroupRps", Value: 500, Line: 45},
		{Rule: "MIG011", Key: "expiryWindowDays", Value: 30, Line: 48},
		{Rule: "source-drain", Key: "enabled", Value: true, Line: 50},
	}
	if !reflect.DeepEqual(cfg.Rules, want) {
		t.Errorf("rules = %+v\nwant %+v", cfg.Rules, want)
	}
	e := cfg.Allowlists[0]
	if e.Match != "orders.internal.example.com" || !reflect.DeepEqual(e.Allow, []string{"47.96.0.0/16", "100.104.0.0/16"}) || e.Line != 16 {
		t.Errorf("allowlists[0] = %+v", e)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, text string
		line             int
		want             string
	}{
		{name: "unknown key file", file: "../testdata/config/unknown-key.yaml", line: 2,
			want: `unknown key "failon" (known keys: allowlists, lookback, failOn, policies, data, rules, rpsHeadroom, defaultGroupRps, expiryWindowDays, waivers)`},
		{name: "bad CIDR file", file: "../testdata/config/bad-cidr.yaml", line: 7,
			want: `allowlists[1] (match "10.0.0.0/8"): invalid CIDR or IP "10.0.0.300/32"`},
		{name: "unknown entry key", text: "allowlists:\n  - match: '*'\n    allow: []\n    deny: []\n", line: 4, want: `unknown key "deny"`},
		{name: "missing allow", text: "allowlists:\n  - match: a.example.com\n", line: 2, want: "missing key allow"},
		{name: "bad match", text: "allowlists:\n  - match: 10.0.0.0/33\n    allow: []\n", line: 2, want: `match "10.0.0.0/33": not a valid`},
		{name: "lookback", text: "lookback: a week\n", line: 1, want: `lookback "a week"`},
		{name: "failOn", text: "failOn: fatal\n", line: 1, want: "want one of error, warning, note, never"},
		{name: "headroom list", text: "rpsHeadroom: [1]\n", line: 1, want: "rpsHeadroom: want a single value"},
		{name: "rules not a mapping", text: "rules: [MIG001]\n", line: 1, want: "rules: want a mapping from rule ID or name"},
		{name: "rule not a mapping", text: "rules:\n  MIG013: false\n", line: 2, want: "rules.MIG013: want a mapping of settings"},
		{name: "rule setting without value", text: "rules:\n  MIG001:\n    rpsHeadroom:\n", line: 3, want: "rules.MIG001.rpsHeadroom: no value given"},
		{name: "rule setting a mapping", text: "rules:\n  MIG001:\n    rpsHeadroom: {a: 1}\n", line: 3, want: "rules.MIG001.rpsHeadroom: want a single value"},
		{name: "rule named twice", text: "rules:\n  MIG001: {enabled: true}\n  MIG001: {enabled: false}\n", line: 3, want: `key "MIG001" appears twice`},
		{name: "duplicate", text: "failOn: note\nfailOn: error\n", line: 2, want: "appears twice"},
		{name: "not a mapping", text: "- a\n- b\n", line: 1, want: "mapping"},
		{name: "syntax", text: "allowlists: [\n", want: "config"},
		{name: "lookback too short", text: "lookback: 1s\n", line: 1, want: `lookback "1s": want a duration from 1h to 90d`},
		{name: "lookback too long", text: "lookback: 300000d\n", line: 1, want: `lookback "300000d": want a duration from 1h to 90d`},
		{name: "second document", text: "failOn: note\n---\nfailOn: never\n", line: 3, want: "a second YAML document (after a '---' line) begins here"},
		{name: "second empty document", text: "failOn: note\n---\n", want: "a second YAML document"},
		{name: "duplicate key in an allowlist entry", text: "allowlists:\n  - match: '*'\n    allow: [10.0.0.0/8]\n    allow: []\n", line: 4,
			want: `inline.yaml:4: key "allow" appears twice in the same mapping (first at line 3)`},
		{name: "duplicate match", text: "allowlists:\n  - match: a.example.com\n    match: b.example.com\n    allow: []\n", line: 3, want: `key "match" appears twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.file != "" {
				_, err = LoadConfig(tc.file, true)
			} else {
				_, err = ParseConfig([]byte(tc.text), "inline.yaml")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), want *ConfigError", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) || (tc.line > 0 && ce.Line != tc.line) {
				t.Errorf("err = %q (line %d), want %q on line %d", err, ce.Line, tc.want, tc.line)
			}
		})
	}
}

func TestLoadConfigMissing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cfg, err := LoadConfig("", false)
	if err != nil || cfg == nil || cfg.Path != "" || cfg.Allowlists != nil {
		t.Errorf("implicit missing file: %+v, %v", cfg, err)
	}
	if _, err := LoadConfig("nope.yaml", true); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("explicit missing file: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, DefaultConfigFile), []byte("failOn: error\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err = LoadConfig("", false)
	if err != nil || cfg.FailOn != "error" || cfg.Path != DefaultConfigFile {
		t.Errorf("working-directory file: %+v, %v", cfg, err)
	}
	cfg, err = ParseConfig(nil, "empty.yaml")
	if err != nil || cfg.Rules != nil {
		t.Errorf("empty file: %+v, %v", cfg, err)
	}
}

// The rules section is read as written, in file order, with each value typed
// as YAML types it and the line of each value; names are checked by the
// policy engine, against the rules' METADATA.
func TestRulesSection(t *testing.T) {
	cfg, err := ParseConfig([]byte(`failOn: note
rules:
  MIG001:
    rpsHeadroom: 0.35
  source-drain:
    enabled: false
  MIG011: {severity: warning, expiryWindowDays: 10}
  MIG099:
    whatever: "7d"
  empty: {}
defaultGroupRps: 800
`), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []RuleSetting{
		{Rule: "MIG001", Key: "rpsHeadroom", Value: 0.35, Line: 4},
		{Rule: "source-drain", Key: "enabled", Value: false, Line: 6},
		{Rule: "MIG011", Key: "severity", Value: "warning", Line: 7},
		{Rule: "MIG011", Key: "expiryWindowDays", Value: 10, Line: 7},
		{Rule: "MIG099", Key: "whatever", Value: "7d", Line: 9},
		{Rule: "MIG002", Key: "defaultGroupRps", Value: 800, Line: 11},
	}
	if !reflect.DeepEqual(cfg.Rules, want) {
		t.Errorf("rules = %#v\nwant %#v", cfg.Rules, want)
	}
	if cfg.FailOn != "note" {
		t.Errorf("failOn = %q", cfg.FailOn)
	}
	empty, err := ParseConfig([]byte("rules:\n"), "t.yaml")
	if err != nil || empty.Rules != nil {
		t.Errorf("empty rules section: %+v, %v", empty, err)
	}
}

func TestAllowlistFor(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
allowlists:
  - match: API.Example.com
    allow: [1.1.1.0/24]
  - match: "*.legacy.example.com"
    allow: []
  - match: 10.0.0.0/8
    allow: [2.2.2.2]
  - match: 2408:4000::/32
    allow: ["::/0"]
  - match: 47.97.3.3
    allow: [3.3.3.3]
  - match: "*"
    allow: [0.0.0.0/0]
`), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		host string
		ips  []string
		want []string
	}{
		{"api.example.com.", []string{"10.1.1.1"}, []string{"1.1.1.0/24"}}, // first match wins
		{"old.legacy.example.com", nil, []string{}},
		{"svc.internal", []string{"47.97.3.3", "10.2.3.4"}, []string{"2.2.2.2"}},
		{"10.9.9.9", nil, []string{"2.2.2.2"}},
		{"v6.example.com", []string{"2408:4000::1"}, []string{"::/0"}},
		{"47.97.3.3", []string{"47.97.3.3"}, []string{"3.3.3.3"}},
		{"", nil, []string{"0.0.0.0/0"}},
	} {
		if got := cfg.AllowlistFor(tc.host, tc.ips); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("AllowlistFor(%q, %v) = %#v, want %#v", tc.host, tc.ips, got, tc.want)
		}
	}
	noDefault, _ := ParseConfig([]byte("allowlists:\n  - match: a.example.com\n    allow: []\n"), "t.yaml")
	if got := noDefault.AllowlistFor("b.example.com", []string{"1.2.3.4"}); got != nil {
		t.Errorf("no match = %#v, want nil (unknown)", got)
	}
	var none *Config
	if got := none.AllowlistFor("a", nil); got != nil {
		t.Errorf("nil config = %#v", got)
	}
}

func TestParseLookback(t *testing.T) {
	for in, want := range map[string]time.Duration{"7d": 168 * time.Hour, "168h": 168 * time.Hour, "36h30m": 36*time.Hour + 30*time.Minute, " 1d ": 24 * time.Hour} {
		if got, err := ParseLookback(in); err != nil || got != want {
			t.Errorf("ParseLookback(%q) = %v, %v", in, got, err)
		}
	}
	for in, want := range map[string]time.Duration{"1h": time.Hour, "90d": 90 * 24 * time.Hour, "2160h": 90 * 24 * time.Hour} {
		if got, err := ParseLookback(in); err != nil || got != want {
			t.Errorf("bound ParseLookback(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0d", "-1h", "1w", "d", "0", "1s", "59m59s", "91d", "2161h", "300000d", "9223372036854775807d", "106751d"} {
		if _, err := ParseLookback(in); err == nil {
			t.Errorf("ParseLookback(%q) accepted", in)
		}
	}
}

// TestConfigWaivers: waivers is a path relative to the configuration file
// or an inline list read with the file's lines; anything else names the
// line.
func TestConfigWaivers(t *testing.T) {
	cfg, err := ParseConfig([]byte("waivers: accepted.yaml\n"), "conf/preflight.yaml")
	if err != nil || cfg.WaiverFile != filepath.Join("conf", "accepted.yaml") || cfg.Waivers != nil {
		t.Errorf("path: got %q, %v, %v; want conf/accepted.yaml", cfg.WaiverFile, cfg.Waivers, err)
	}
	cfg, err = ParseConfig([]byte("waivers: /etc/apigw/waivers.yaml\n"), "conf/preflight.yaml")
	if err != nil || cfg.WaiverFile != "/etc/apigw/waivers.yaml" {
		t.Errorf("absolute path: got %q, %v", cfg.WaiverFile, err)
	}
	inline := "failOn: error\nwaivers:\n  - rule: MIG002\n    group: payments\n    reason: support migrates it\n    owner: team-payments\n    ticket: SR-1\n    expires: 2026-12-31\n"
	cfg, err = ParseConfig([]byte(inline), "preflight.yaml")
	if err != nil || len(cfg.Waivers) != 1 {
		t.Fatalf("inline: got %+v, %v", cfg.Waivers, err)
	}
	if w := cfg.Waivers[0]; w.ID != "MIG002/payments" || w.File != "preflight.yaml" || w.Line != 3 || w.Ticket != "SR-1" {
		t.Errorf("inline waiver %+v", w)
	}
	for src, want := range map[string]string{
		"waivers: {rule: MIG002}\n":                         "config preflight.yaml:1: waivers: want a waiver file's path (relative to this file) or a list of waivers",
		"waivers:\n  - rule: MIG002\n    group: payments\n": "waivers preflight.yaml:2: waivers[0].reason: missing; say why the risk is accepted",
	} {
		_, err := ParseConfig([]byte(src), "preflight.yaml")
		if err == nil || err.Error() != want {
			t.Errorf("%q: got %v, want %s", src, err, want)
		}
	}
}

func TestConfigPolicyAndDataPaths(t *testing.T) {
	src := "policies: [org/, /abs/pack.tar.gz]\ndata:\n  - data/acme.yaml\n"
	cfg, err := ParseConfig([]byte(src), "conf/dir/.apigw-preflight.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wantPolicies := []string{"conf/dir/org", "/abs/pack.tar.gz"}
	wantData := []string{"conf/dir/data/acme.yaml"}
	if !reflect.DeepEqual(cfg.Policies, wantPolicies) || !reflect.DeepEqual(cfg.Data, wantData) {
		t.Fatalf("policies %q data %q, want %q and %q", cfg.Policies, cfg.Data, wantPolicies, wantData)
	}
	for _, tc := range []struct{ src, want string }{
		{"policies: org/\n", "policies: want a list of paths"},
		{"data: [\"\"]\n", "data: want a path (a string) in each entry"},
		{"policies: [[a]]\n", "policies: want a path (a string) in each entry"},
	} {
		_, err := ParseConfig([]byte(tc.src), "c.yaml")
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(ce.Msg, tc.want) || ce.Line != 1 {
			t.Errorf("%q: err = %v, want %q on line 1", tc.src, err, tc.want)
		}
	}
}

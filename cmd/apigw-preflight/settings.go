package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/config"
	"github.com/apigw-preflight/apigw-preflight/policies"
)

// ruleFlags are the rule settings of the command line: --set RULE.KEY=VALUE
// and the flags that predate it, each an alias of one --set.
type ruleFlags struct {
	sets    []string
	aliases []string // the values of paramAliasFlags, in its order
	fs      *pflag.FlagSet
}

// paramAliasFlags are the flags that set one rule parameter each.
// In usage, the backquoted word names the value in the help.
var paramAliasFlags = []struct {
	flag, rule, param, value, usage string
}{
	{"rps-headroom", "MIG001", "rpsHeadroom", "FRACTION", "MIG001: extra capacity required above the observed peak, as a `FRACTION`"},
	{"default-group-rps", "MIG002", "defaultGroupRps", "LIMIT", "MIG002: the default group RPS `LIMIT`; any other TrafficLimit needs a ticket"},
	{"expiry-window-days", "MIG011", "expiryWindowDays", "DAYS", "MIG011: warn when the destination expires within this many `DAYS`"},
}

func (rf *ruleFlags) register(fs *pflag.FlagSet) {
	rf.fs = fs
	fs.StringArrayVar(&rf.sets, "set", nil, "`RULE.KEY=VALUE` sets KEY of rule RULE (an ID or name): one of its parameters, enabled (true, false) or severity (error, warning, note); "+
		"repeatable; beats the configuration file's rules section; 'apigw-preflight policies list' shows the parameters and their defaults")
	rf.aliases = make([]string, len(paramAliasFlags))
	for i, a := range paramAliasFlags {
		fs.StringVar(&rf.aliases[i], a.flag, "", fmt.Sprintf("%s; the same as --set %s.%s=%s", a.usage, a.rule, a.param, a.value))
	}
}

// settings are the command line's rule settings, for the engine to check.
func (rf *ruleFlags) settings() ([]policies.Setting, error) {
	var out []policies.Setting
	for _, s := range rf.sets {
		key, value, ok := strings.Cut(s, "=")
		rule, param, dot := strings.Cut(key, ".")
		rule, param = strings.TrimSpace(rule), strings.TrimSpace(param)
		if !ok || !dot || rule == "" || param == "" {
			return nil, usageErr("--set %q: want RULE.KEY=VALUE, such as MIG001.rpsHeadroom=0.3 or source-drain.enabled=false", s)
		}
		out = append(out, policies.Setting{Rule: rule, Key: param, Value: value, Text: true, Where: "--set " + key, Layer: "flags"})
	}
	for i, a := range paramAliasFlags {
		if rf.fs != nil && rf.fs.Changed(a.flag) {
			out = append(out, policies.Setting{Rule: a.rule, Key: a.param, Value: rf.aliases[i], Text: true, Where: "--" + a.flag, Layer: "flags"})
		}
	}
	return out, nil
}

// fileSettings are the configuration file's rule settings, each naming its
// line.
func fileSettings(cfg *config.Config) []policies.Setting {
	if cfg == nil {
		return nil
	}
	out := make([]policies.Setting, len(cfg.Rules))
	for i, s := range cfg.Rules {
		out[i] = policies.Setting{Rule: s.Rule, Key: s.Key, Value: s.Value,
			Where: fmt.Sprintf("config %s:%d", cfg.Path, s.Line), Layer: "file"}
	}
	return out
}

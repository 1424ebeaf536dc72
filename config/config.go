// Package config reads the tool's configuration file (YAML): backend
// allowlists, the gate threshold and the rules' settings.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/apigw-preflight/apigw-preflight/waiver"
)

// DefaultConfigFile is the configuration read from the working directory
// when no path is given.
const DefaultConfigFile = ".apigw-preflight.yaml"

// Config is the tool's configuration file (YAML):
//
//	allowlists:          # what backends accept traffic from; first match wins
//	  - match: api.internal.example.com   # a host name (exact, case-insensitive),
//	    allow: [47.96.0.0/16]             #   "*.example.com" (any subdomain), an IP,
//	  - match: 10.0.0.0/8                 #   a CIDR (matches the backend's host IP or
//	    allow: [100.104.0.0/16, 10.0.9.9] #   any IP it resolved to) or "*" (any backend)
//	lookback: 7d         # QPS look-back window: Go duration (168h) or N d, 1h to 90d
//	failOn: warning      # error | warning | note | never
//	policies: [policies/] # organisation policies: directories, .rego files,
//	                     #   OPA bundles (.tar.gz); relative to this file
//	data: [policies/data/] # data documents the org rules read (JSON, YAML)
//	rules:               # by rule ID or name (apigw-preflight policies list)
//	  MIG001:
//	    rpsHeadroom: 0.3 # a parameter the rule's METADATA declares
//	  source-drain:
//	    enabled: false   # the rule is not evaluated
//	  MIG011:
//	    severity: warning # the default severity of the rule's findings
//	rpsHeadroom: 0.2     # the same as rules: {MIG001: {rpsHeadroom: 0.2}};
//	defaultGroupRps: 500 #   likewise MIG002's and MIG011's parameters,
//	expiryWindowDays: 30 #   the keys that predate the rules section
//	waivers: waivers.yaml # a waiver file, relative to this file, or an inline
//	                     #   list of waivers (see package waiver)
//
// Every key is optional. Unknown keys are errors. Fields not set are zero.
// The rules section is read here as written; the policy engine checks its
// rule and parameter names and value types against the rules' METADATA.
type Config struct {
	// Path is the file the configuration was read from; empty when no file
	// was found (and none was asked for).
	Path string
	// Allowlists are tried in file order; the first entry that matches a
	// backend gives its allowlist.
	Allowlists []AllowlistEntry
	// Lookback is the QPS window; 0 when not set.
	Lookback time.Duration
	// FailOn is the gate threshold: error, warning, note or never.
	FailOn string
	// Rules are the settings of the rules section (and of the top-level
	// parameter keys), in file order.
	Rules []RuleSetting
	// WaiverFile is the waiver file the waivers key names, relative to the
	// working directory (the key's path is relative to the configuration
	// file); Waivers the inline list when the key holds one instead.
	WaiverFile string
	Waivers    []waiver.Waiver
	// Policies and Data are the organisation policy and data paths
	// (policies: [...], data: [...]), each relative to the file's
	// directory unless absolute; the command line's --policy and --data
	// add to them.
	Policies []string
	Data     []string
}

// RuleSetting is one setting of the rules section: for the rule Rule (an ID
// or a name, as written), Key (enabled, severity or a parameter's name) has
// Value, typed as YAML types it: bool, int, float64 or string.
type RuleSetting struct {
	Rule  string
	Key   string
	Value any
	// Line is the value's line in the file, for messages.
	Line int
}

// ParamAliases are the top-level keys that predate the rules section; each
// is a parameter of one rule: "rpsHeadroom: 0.3" means
// "rules: {MIG001: {rpsHeadroom: 0.3}}".
var ParamAliases = map[string]string{
	"rpsHeadroom":      "MIG001",
	"defaultGroupRps":  "MIG002",
	"expiryWindowDays": "MIG011",
}

// AllowlistEntry says which callers the matching backends admit.
type AllowlistEntry struct {
	// Match is a host name, "*.domain", an IP, a CIDR or "*".
	Match string
	// Allow are CIDRs or single IPs, as written. Empty allows nothing.
	Allow []string
	// Line is the entry's line in the file, for messages.
	Line int

	prefix netip.Prefix // set when Match is an IP or CIDR
}

// ConfigError is a configuration file that cannot be used: the file, the
// line when known, and what is wrong. The CLI maps it to exit code 2.
type ConfigError struct {
	Path string
	Line int
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("config %s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("config %s: %s", e.Path, e.Msg)
}

// configKeys are the top-level keys, in documentation order.
var configKeys = []string{"allowlists", "lookback", "failOn", "policies", "data", "rules", "rpsHeadroom", "defaultGroupRps", "expiryWindowDays", "waivers"}

// FailOnValues are the accepted failOn values.
var FailOnValues = []string{"error", "warning", "note", "never"}

// LoadConfig reads the configuration file at path, or DefaultConfigFile in
// the working directory when path is empty. A missing file is an error only
// when explicit is true (the user named it); otherwise LoadConfig returns an
// empty Config.
func LoadConfig(path string, explicit bool) (*Config, error) {
	if path == "" {
		path = DefaultConfigFile
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return &Config{}, nil
		}
		return nil, &ConfigError{Path: path, Msg: fmt.Sprintf("cannot read: %v", unwrapPathError(err))}
	}
	return ParseConfig(data, path)
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ParseConfig decodes a configuration file's contents; name prefixes errors.
func ParseConfig(data []byte, name string) (*Config, error) {
	cfg := &Config{Path: name}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return cfg, nil // empty file: all defaults
		}
		return nil, &ConfigError{Path: name, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 {
		return cfg, nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &ConfigError{Path: name, Line: documentLine(&extra),
			Msg: "a second YAML document (after a '---' line) begins here; the configuration is one document: remove the '---' and merge the settings"}
	} else if !errors.Is(err, io.EOF) {
		return nil, &ConfigError{Path: name, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	root := doc.Content[0]
	if err := checkDuplicateKeys(root, name); err != nil {
		return nil, err
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return cfg, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, &ConfigError{Path: name, Line: root.Line, Msg: "want a mapping of settings at the top level"}
	}
	bad := func(n *yaml.Node, format string, a ...any) error {
		return &ConfigError{Path: name, Line: n.Line, Msg: fmt.Sprintf(format, a...)}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "allowlists":
			entries, err := parseAllowlists(v, bad)
			if err != nil {
				return nil, err
			}
			cfg.Allowlists = entries
		case "lookback":
			d, err := ParseLookback(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil {
				return nil, bad(v, "lookback %q: want %s", v.Value, lookbackWant)
			}
			cfg.Lookback = d
		case "failOn":
			val := strings.ToLower(v.Value)
			ok := v.Kind == yaml.ScalarNode
			if ok {
				ok = false
				for _, f := range FailOnValues {
					ok = ok || f == val
				}
			}
			if !ok {
				return nil, bad(v, "failOn %q: want one of %s", v.Value, strings.Join(FailOnValues, ", "))
			}
			cfg.FailOn = val
		case "waivers":
			switch {
			case v.Kind == yaml.ScalarNode && v.Tag != "!!null" && strings.TrimSpace(v.Value) != "":
				file := strings.TrimSpace(v.Value)
				if !filepath.IsAbs(file) {
					file = filepath.Join(filepath.Dir(name), file)
				}
				cfg.WaiverFile = file
			case v.Kind == yaml.SequenceNode:
				ws, err := waiver.ParseNode(name, v, "waivers")
				if err != nil {
					return nil, err
				}
				cfg.Waivers = ws
			default:
				return nil, bad(v, "waivers: want a waiver file's path (relative to this file) or a list of waivers")
			}
		case "policies", "data":
			paths, err := parsePaths(v, k.Value, name, bad)
			if err != nil {
				return nil, err
			}
			if k.Value == "policies" {
				cfg.Policies = paths
			} else {
				cfg.Data = paths
			}
		case "rules":
			settings, err := parseRules(v, bad)
			if err != nil {
				return nil, err
			}
			cfg.Rules = append(cfg.Rules, settings...)
		default:
			rule, ok := ParamAliases[k.Value]
			if !ok {
				return nil, bad(k, "unknown key %q (known keys: %s)", k.Value, strings.Join(configKeys, ", "))
			}
			val, err := scalarValue(v, k.Value, bad)
			if err != nil {
				return nil, err
			}
			cfg.Rules = append(cfg.Rules, RuleSetting{Rule: rule, Key: k.Value, Value: val, Line: v.Line})
		}
	}
	return cfg, nil
}

// parsePaths reads a list of paths (policies, data); a relative path is
// relative to the configuration file's directory.
func parsePaths(n *yaml.Node, key, file string, bad func(*yaml.Node, string, ...any) error) ([]string, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, bad(n, "%s: want a list of paths, e.g. %s: [policies/]", key, key)
	}
	var out []string
	for _, item := range n.Content {
		p := strings.TrimSpace(item.Value)
		if item.Kind != yaml.ScalarNode || item.Tag == "!!null" || p == "" {
			return nil, bad(item, "%s: want a path (a string) in each entry", key)
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(file), p)
		}
		out = append(out, p)
	}
	return out, nil
}

// parseRules reads the rules section: a mapping from rule ID or name to a
// mapping of settings.
func parseRules(n *yaml.Node, bad func(*yaml.Node, string, ...any) error) ([]RuleSetting, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, bad(n, "rules: want a mapping from rule ID or name to its settings, e.g. MIG001: {rpsHeadroom: 0.3}")
	}
	var out []RuleSetting
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		rule := strings.TrimSpace(k.Value)
		if k.Kind != yaml.ScalarNode || rule == "" {
			return nil, bad(k, "rules: want a rule ID or name as the key")
		}
		if v.Kind != yaml.MappingNode {
			return nil, bad(v, "rules.%s: want a mapping of settings (enabled, severity or the rule's parameters)", rule)
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			sk, sv := v.Content[j], v.Content[j+1]
			if sk.Kind != yaml.ScalarNode || strings.TrimSpace(sk.Value) == "" {
				return nil, bad(sk, "rules.%s: want a setting name as the key", rule)
			}
			key := strings.TrimSpace(sk.Value)
			val, err := scalarValue(sv, "rules."+rule+"."+key, bad)
			if err != nil {
				return nil, err
			}
			out = append(out, RuleSetting{Rule: rule, Key: key, Value: val, Line: sv.Line})
		}
	}
	return out, nil
}

// scalarValue is a setting's value as YAML types it.
func scalarValue(n *yaml.Node, name string, bad func(*yaml.Node, string, ...any) error) (any, error) {
	if n.Kind != yaml.ScalarNode {
		return nil, bad(n, "%s: want a single value (a number, true or false, or a string)", name)
	}
	if n.Tag == "!!null" {
		return nil, bad(n, "%s: no value given", name)
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, bad(n, "%s: %v", name, err)
	}
	return v, nil
}

func parseAllowlists(n *yaml.Node, bad func(*yaml.Node, string, ...any) error) ([]AllowlistEntry, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, bad(n, "allowlists: want a list of {match, allow} entries")
	}
	var out []AllowlistEntry
	for i, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			return nil, bad(item, "allowlists[%d]: want a mapping with keys match and allow", i)
		}
		e := AllowlistEntry{Line: item.Line}
		var haveMatch, haveAllow bool
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := item.Content[j], item.Content[j+1]
			switch k.Value {
			case "match":
				if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
					return nil, bad(v, "allowlists[%d].match: want a host name, IP, CIDR or \"*\"", i)
				}
				m := strings.TrimSpace(v.Value)
				if p, ok := parseIPOrCIDR(m); ok {
					e.prefix = p
				} else if strings.ContainsAny(m, "/:") || (strings.Contains(m, "*") && m != "*" && !strings.HasPrefix(m, "*.")) {
					return nil, bad(v, "allowlists[%d].match %q: not a valid IP, CIDR, host name, \"*.domain\" or \"*\"", i, m)
				}
				e.Match = m
				haveMatch = true
			case "allow":
				if v.Kind != yaml.SequenceNode {
					return nil, bad(v, "allowlists[%d].allow: want a list of CIDRs or IPs ([] allows nothing)", i)
				}
				e.Allow = []string{}
				for _, a := range v.Content {
					s := strings.TrimSpace(a.Value)
					if _, ok := parseIPOrCIDR(s); a.Kind != yaml.ScalarNode || !ok {
						return nil, bad(a, "allowlists[%d] (match %q): invalid CIDR or IP %q", i, e.Match, a.Value)
					}
					e.Allow = append(e.Allow, s)
				}
				haveAllow = true
			default:
				return nil, bad(k, "allowlists[%d]: unknown key %q (known keys: match, allow)", i, k.Value)
			}
		}
		if !haveMatch {
			return nil, bad(item, "allowlists[%d]: missing key match", i)
		}
		if !haveAllow {
			return nil, bad(item, "allowlists[%d] (match %q): missing key allow (write allow: [] for a backend that admits nothing)", i, e.Match)
		}
		out = append(out, e)
	}
	return out, nil
}

// parseIPOrCIDR accepts "10.0.0.0/8", "10.0.0.1", "2001:db8::/32".
func parseIPOrCIDR(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), true
}

// Look-back bounds: the QPS window is at least an hour and at most the 90
// days of monitoring data the API keeps.
const (
	MinLookback = time.Hour
	MaxLookback = 90 * 24 * time.Hour
)

const lookbackWant = "a duration from 1h to 90d, like 168h or 7d"

// ParseLookback parses a Go duration ("168h") or a number of days ("7d")
// between MinLookback and MaxLookback.
func ParseLookback(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("invalid look-back %q: want %s", s, lookbackWant)
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 || days > int(MaxLookback/(24*time.Hour)) {
			return 0, bad
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d < MinLookback || d > MaxLookback {
		return 0, bad
	}
	return d, nil
}

// documentLine is the line where a YAML document's content starts.
func documentLine(doc *yaml.Node) int {
	if len(doc.Content) > 0 && doc.Content[0].Line > 0 {
		return doc.Content[0].Line
	}
	return doc.Line
}

// checkDuplicateKeys rejects a mapping, at any depth, that names a key
// twice: YAML readers disagree on which one wins, so a reviewer may read
// the other.
func checkDuplicateKeys(n *yaml.Node, name string) error {
	if n.Kind == yaml.MappingNode {
		first := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if line, dup := first[k.Value]; dup {
				return &ConfigError{Path: name, Line: k.Line, Msg: fmt.Sprintf("key %q appears twice in the same mapping (first at line %d); keep one", k.Value, line)}
			}
			first[k.Value] = k.Line
		}
	}
	for _, c := range n.Content {
		if err := checkDuplicateKeys(c, name); err != nil {
			return err
		}
	}
	return nil
}

// AllowlistFor returns the allowlist of the first entry matching a backend
// with the given host and resolved IPs, and nil (unknown) when none does.
// The returned slice is a copy.
func (c *Config) AllowlistFor(host string, ips []string) []string {
	if c == nil {
		return nil
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	var addrs []netip.Addr
	for _, s := range append([]string{host}, ips...) {
		if a, err := netip.ParseAddr(s); err == nil {
			addrs = append(addrs, a.Unmap())
		}
	}
	for _, e := range c.Allowlists {
		if e.matches(host, addrs) {
			return append([]string{}, e.Allow...)
		}
	}
	return nil
}

func (e *AllowlistEntry) matches(host string, addrs []netip.Addr) bool {
	switch {
	case e.Match == "*":
		return true
	case e.prefix.IsValid():
		for _, a := range addrs {
			if e.prefix.Contains(a) {
				return true
			}
		}
		return false
	case strings.HasPrefix(e.Match, "*."):
		return host != "" && strings.HasSuffix(host, strings.ToLower(e.Match[1:]))
	default:
		return host != "" && strings.EqualFold(host, e.Match)
	}
}

// Package config reads the tool's configuration file (YAML): backend
// allowlists, the gate threshold and the rules' tunables.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
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
//	rpsHeadroom: 0.2     # fraction of spare capacity the destination must keep
//	lookback: 7d         # QPS look-back window: Go duration (168h) or N d, 1h to 90d
//	failOn: warning      # error | warning | note | never
//	defaultGroupRps: 500 # the default group RPS limit; any other TrafficLimit needs a ticket (MIG002)
//	expiryWindowDays: 30 # warn when the destination expires within N days
//
// Every key is optional. Unknown keys are errors. Fields not set are
// zero (nil for the pointers) so callers can tell "absent" from "0".
type Config struct {
	// Path is the file the configuration was read from; empty when no file
	// was found (and none was asked for).
	Path string
	// Allowlists are tried in file order; the first entry that matches a
	// backend gives its allowlist.
	Allowlists []AllowlistEntry
	// RPSHeadroom is the fraction of spare capacity to keep (0.2 = 20%).
	RPSHeadroom *float64
	// Lookback is the QPS window; 0 when not set.
	Lookback time.Duration
	// FailOn is the gate threshold: error, warning, note or never.
	FailOn string
	// DefaultGroupRPS is the default group RPS limit: a group whose
	// TrafficLimit differs from it needs a support ticket (MIG002).
	DefaultGroupRPS *int
	// ExpiryWindowDays: warn when the destination expires this soon.
	ExpiryWindowDays *int
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
var configKeys = []string{"allowlists", "rpsHeadroom", "lookback", "failOn", "defaultGroupRps", "expiryWindowDays"}

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
		case "rpsHeadroom":
			f, err := floatNode(v)
			if err != nil || f < 0 {
				return nil, bad(v, "rpsHeadroom %q: want a number of 0 or more (0.2 keeps 20%% spare)", v.Value)
			}
			cfg.RPSHeadroom = &f
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
		case "defaultGroupRps":
			n, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil || n <= 0 {
				return nil, bad(v, "defaultGroupRps %q: want a whole number above 0", v.Value)
			}
			cfg.DefaultGroupRPS = &n
		case "expiryWindowDays":
			n, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil || n < 0 {
				return nil, bad(v, "expiryWindowDays %q: want a whole number of days, 0 or more", v.Value)
			}
			cfg.ExpiryWindowDays = &n
		default:
			return nil, bad(k, "unknown key %q (known keys: %s)", k.Value, strings.Join(configKeys, ", "))
		}
	}
	return cfg, nil
}

func floatNode(n *yaml.Node) (float64, error) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return 0, fmt.Errorf("not a number")
	}
	return strconv.ParseFloat(n.Value, 64)
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

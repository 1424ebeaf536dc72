package policies

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// A rule declares its tunables in its package METADATA, and the default
// lives there only:
//
//	custom:
//	  params:
//	    - name: rpsHeadroom
//	      type: number        # number | integer | string | boolean | duration
//	      default: 0.2
//	      min: 0              # number and integer only, inclusive
//	      max: 10
//	      description: Capacity required above the observed peak, as a fraction.
//
// The engine checks the declarations, applies the user's settings (the
// configuration file's rules section, --set and its aliases) and puts the
// effective value of every parameter under data.apigw_settings.params[ID][name],
// where the lib helper param reads it:
//
//	headroom := lib.param(rego.metadata.chain(), "rpsHeadroom")
//
// A duration reaches Rego as integer nanoseconds, as time.parse_duration_ns
// gives them.

// Parameter types.
const (
	TypeNumber   = "number"
	TypeInteger  = "integer"
	TypeString   = "string"
	TypeBoolean  = "boolean"
	TypeDuration = "duration"
)

// ParamTypes lists the types a parameter may have.
var ParamTypes = []string{TypeNumber, TypeInteger, TypeString, TypeBoolean, TypeDuration}

// Setting keys every rule has besides its parameters.
const (
	KeyEnabled  = "enabled"
	KeySeverity = "severity"
)

var (
	paramNamePattern = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
	paramKeys        = []string{"name", "type", "default", "description", "min", "max"}
)

// parseParams reads and checks a rule's METADATA custom.params.
func parseParams(file, id string, raw any) ([]report.Param, error) {
	if raw == nil {
		return nil, nil
	}
	items, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: rule %s: METADATA custom.params: want a list of {name, type, default, description}", file, id)
	}
	var out []report.Param
	for i, item := range items {
		p, err := parseParam(item)
		if err != nil {
			where := fmt.Sprintf("custom.params[%d]", i)
			if p.Name != "" {
				where += " (" + p.Name + ")"
			}
			return nil, fmt.Errorf("%s: rule %s: METADATA %s: %w", file, id, where, err)
		}
		if slices.ContainsFunc(out, func(q report.Param) bool { return q.Name == p.Name }) {
			return nil, fmt.Errorf("%s: rule %s: METADATA custom.params declares %q twice", file, id, p.Name)
		}
		out = append(out, p)
	}
	return out, nil
}

func parseParam(item any) (report.Param, error) {
	var p report.Param
	m, ok := item.(map[string]any)
	if !ok {
		return p, fmt.Errorf("want a mapping with keys %s", strings.Join(paramKeys, ", "))
	}
	p.Name, _ = m["name"].(string)
	for k := range m {
		if !slices.Contains(paramKeys, k) {
			return p, fmt.Errorf("unknown key %q (known keys: %s)", k, strings.Join(paramKeys, ", "))
		}
	}
	if !paramNamePattern.MatchString(p.Name) {
		return p, fmt.Errorf("name %v: want a camelCase name such as rpsHeadroom", m["name"])
	}
	if p.Name == KeyEnabled || p.Name == KeySeverity {
		return p, fmt.Errorf("name %q is reserved for the rule's own setting", p.Name)
	}
	p.Type, _ = m["type"].(string)
	if !slices.Contains(ParamTypes, p.Type) {
		return p, fmt.Errorf("type %v: want one of %s", m["type"], strings.Join(ParamTypes, ", "))
	}
	desc, _ := m["description"].(string)
	if p.Description = strings.TrimSpace(desc); p.Description == "" {
		return p, fmt.Errorf("needs a description saying what the parameter changes")
	}
	for _, b := range []struct {
		key string
		dst **float64
	}{{"min", &p.Min}, {"max", &p.Max}} {
		v, ok := m[b.key]
		if !ok {
			continue
		}
		if p.Type != TypeNumber && p.Type != TypeInteger {
			return p, fmt.Errorf("%s applies to number and integer parameters only", b.key)
		}
		f, ok := toFloat(v)
		if !ok {
			return p, fmt.Errorf("%s %v: want a number", b.key, v)
		}
		*b.dst = &f
	}
	if p.Min != nil && p.Max != nil && *p.Min > *p.Max {
		return p, fmt.Errorf("min %v is above max %v", *p.Min, *p.Max)
	}
	def, ok := m["default"]
	if !ok || def == nil {
		return p, fmt.Errorf("needs a default (the value the rule uses unless a setting changes it)")
	}
	if _, err := paramValue(p, def, false); err != nil {
		return p, fmt.Errorf("default: %w", err)
	}
	// Keep the default as written, in a JSON-stable form.
	switch p.Type {
	case TypeNumber:
		f, _ := toFloat(def)
		p.Default = f
	case TypeInteger:
		f, _ := toFloat(def)
		p.Default = int64(f)
	default:
		p.Default = def
	}
	return p, nil
}

// paramValue checks v against p and returns it in the form the rules read:
// float64 for number, int64 for integer and duration (nanoseconds), bool,
// string. A text value (from a flag) is parsed; any other value (from the
// configuration file or METADATA) must already have the type.
func paramValue(p report.Param, v any, text bool) (any, error) {
	s, isString := v.(string)
	if text && !isString {
		return nil, fmt.Errorf("want text, not %T", v)
	}
	switch p.Type {
	case TypeNumber, TypeInteger:
		var f float64
		var ok bool
		if text {
			var err error
			f, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
			ok = err == nil
		} else {
			f, ok = toFloat(v)
		}
		if _, err := strconv.ParseFloat(s, 64); isString && !text && err == nil {
			return nil, fmt.Errorf("%s: want %s, not a string (remove the quotes)", quote(v), article(p.Type))
		}
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%s: want %s", quote(v), article(p.Type))
		}
		if p.Type == TypeInteger && (f != math.Trunc(f) || math.Abs(f) > 1<<53) {
			return nil, fmt.Errorf("%s: want a whole number", quote(v))
		}
		if p.Min != nil && f < *p.Min {
			return nil, fmt.Errorf("%s: want %v or more", quote(v), *p.Min)
		}
		if p.Max != nil && f > *p.Max {
			return nil, fmt.Errorf("%s: want %v or less", quote(v), *p.Max)
		}
		if p.Type == TypeInteger {
			return int64(f), nil
		}
		return f, nil
	case TypeBoolean:
		if text {
			b, err := strconv.ParseBool(strings.TrimSpace(s))
			if err != nil {
				return nil, fmt.Errorf("%s: want true or false", quote(v))
			}
			return b, nil
		}
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%s: want true or false", quote(v))
		}
		return b, nil
	case TypeString:
		if !isString {
			return nil, fmt.Errorf("%s: want a string (quote it)", quote(v))
		}
		return s, nil
	case TypeDuration:
		if !isString {
			return nil, fmt.Errorf("%s: want a duration such as 36h or 7d (quote it)", quote(v))
		}
		d, err := parseDuration(s)
		if err != nil {
			return nil, err
		}
		return int64(d), nil
	}
	return nil, fmt.Errorf("unknown parameter type %q", p.Type)
}

// parseDuration reads a Go duration ("36h", "90m") or whole days ("7d"),
// zero or more.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("%q: want a duration such as 36h, 90m or 7d", s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 36500 {
			return 0, bad
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, bad
	}
	return d, nil
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func quote(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

func article(typ string) string {
	if typ == TypeInteger {
		return "a whole number"
	}
	return "a number"
}

// Setting is one choice a user made for a rule: whether it runs (enabled),
// the default severity of its findings (severity), or a parameter's value.
type Setting struct {
	// Rule is the rule's ID (MIG001) or name (rps-capacity).
	Rule string
	// Key is enabled, severity or the name of one of the rule's parameters.
	Key string
	// Value is a bool, a number (int, int64 or float64) or a string, as the
	// configuration file typed it; with Text, a string to parse (a flag).
	Value any
	Text  bool
	// Where says where the setting was given, for messages:
	// "config .apigw-preflight.yaml:12" or "--set MIG001.rpsHeadroom=0.3".
	Where string
	// Layer groups settings of one precedence ("file", "flags"). Settings
	// apply in order, so a later layer wins; one layer naming the same
	// rule and key twice is an error.
	Layer string
}

// SettingError is a setting that cannot be applied: an unknown rule or
// parameter, or a value of the wrong type or out of bounds. The CLI maps it
// to exit code 2.
type SettingError struct {
	Where string
	Msg   string
}

func (e *SettingError) Error() string { return e.Where + ": " + e.Msg }

// ruleSettings are the effective choices for one rule.
type ruleSettings struct {
	disabled bool
	severity report.Severity // SeverityNone: the METADATA default
	params   map[string]any  // every declared parameter, defaults included
}

// resolveSettings checks settings against rules and returns the effective
// choices, by rule ID, for every rule.
func resolveSettings(rules []report.Rule, settings []Setting) (map[string]*ruleSettings, error) {
	out := map[string]*ruleSettings{}
	byKey := map[string]report.Rule{}
	for _, r := range rules {
		rs := &ruleSettings{params: map[string]any{}}
		for _, p := range r.Params {
			v, err := paramValue(p, p.Default, false)
			if err != nil {
				return nil, fmt.Errorf("rule %s: parameter %s: default: %w", r.ID, p.Name, err)
			}
			rs.params[p.Name] = v
		}
		out[r.ID] = rs
		byKey[r.ID], byKey[r.Name] = r, r
	}
	type slot struct{ layer, rule, key string }
	seen := map[slot]string{}
	for _, s := range settings {
		bad := func(format string, a ...any) error {
			return &SettingError{Where: s.Where, Msg: fmt.Sprintf(format, a...)}
		}
		r, ok := byKey[s.Rule]
		if !ok {
			r, ok = byKey[strings.ToUpper(s.Rule)] // an ID in lower case
		}
		if !ok {
			if s.Rule == SnapshotStale.ID || s.Rule == SnapshotStale.Name {
				return nil, bad("%s %s is a tool rule, set with --max-age (0 turns it off)", SnapshotStale.ID, SnapshotStale.Name)
			}
			return nil, bad("unknown rule %q; the rules are %s (apigw-preflight policies list)", s.Rule, ruleList(rules))
		}
		label := r.ID + " " + r.Name
		k := slot{s.Layer, r.ID, s.Key}
		if prev, dup := seen[k]; dup {
			return nil, bad("%s %s is already set at %s; set it once", label, s.Key, prev)
		}
		seen[k] = s.Where
		rs := out[r.ID]
		switch s.Key {
		case KeyEnabled:
			b, err := paramValue(report.Param{Type: TypeBoolean}, s.Value, s.Text)
			if err != nil {
				return nil, bad("%s enabled: %v", label, err)
			}
			rs.disabled = !b.(bool)
		case KeySeverity:
			str, _ := s.Value.(string)
			sev, err := report.ParseSeverity(str)
			if err != nil {
				return nil, bad("%s severity %s: want error, warning or note", label, quote(s.Value))
			}
			rs.severity = sev
		default:
			i := slices.IndexFunc(r.Params, func(p report.Param) bool { return p.Name == s.Key })
			if i < 0 {
				return nil, bad("rule %s has no parameter %q; %s", label, s.Key, keyList(r))
			}
			v, err := paramValue(r.Params[i], s.Value, s.Text)
			if err != nil {
				return nil, bad("%s %s: %v", label, s.Key, err)
			}
			rs.params[s.Key] = v
		}
	}
	return out, nil
}

func ruleList(rules []report.Rule) string {
	ids := make([]string, len(rules))
	for i, r := range rules {
		ids[i] = r.ID
	}
	if len(ids) > 6 {
		return strings.Join(ids[:3], ", ") + " ... " + ids[len(ids)-1] + ", by ID or name"
	}
	return strings.Join(ids, ", ") + ", by ID or name"
}

func keyList(r report.Rule) string {
	if len(r.Params) == 0 {
		return "it has no parameters, only enabled and severity"
	}
	names := make([]string, len(r.Params))
	for i, p := range r.Params {
		names[i] = p.Name
	}
	return "its parameters are " + strings.Join(names, ", ") + " (and enabled, severity)"
}

// overrideSeverity is the severity a finding is reported at when the user
// set the rule's severity: a finding at the rule's METADATA default takes
// the override; one the rule rated otherwise (an undecided warning of an
// error rule, a note) keeps its own severity, but never above the
// override, so a rule set to note reports nothing above note.
func overrideSeverity(own, declared, override report.Severity) report.Severity {
	if own == declared {
		return override
	}
	return min(own, override)
}

// paramRef is the lib helper rules call to read a parameter.
var paramRef = ast.MustParseRef("data.apigw.lib.param")

// checkParamCalls fails when a rule calls lib.param with a constant name
// its METADATA does not declare: a typo would otherwise leave the rule's
// value undefined, and the rule quiet.
func checkParamCalls(comp *ast.Compiler, rules []report.Rule) error {
	byPkg := map[string]report.Rule{}
	for _, r := range rules {
		byPkg[r.Package] = r
	}
	names := make([]string, 0, len(comp.Modules))
	for n := range comp.Modules {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, file := range names {
		m := comp.Modules[file]
		r, ok := byPkg[m.Package.Path.String()]
		if !ok {
			continue
		}
		var err error
		check := func(op *ast.Term, args []*ast.Term, loc *ast.Location) {
			ref, ok := op.Value.(ast.Ref)
			if err != nil || !ok || !ref.Equal(paramRef) || len(args) < 2 {
				return
			}
			name, ok := args[1].Value.(ast.String)
			if !ok {
				return
			}
			if !slices.ContainsFunc(r.Params, func(p report.Param) bool { return p.Name == string(name) }) {
				line := 0
				if loc != nil {
					line = loc.Row
				}
				err = fmt.Errorf("%s:%d: rule %s reads parameter %q, which its METADATA custom.params does not declare", file, line, r.ID, string(name))
			}
		}
		ast.WalkExprs(m, func(e *ast.Expr) bool {
			if e.IsCall() {
				terms := e.Terms.([]*ast.Term)
				check(terms[0], terms[1:], e.Location)
			}
			return false
		})
		ast.WalkTerms(m, func(t *ast.Term) bool {
			if call, ok := t.Value.(ast.Call); ok && len(call) > 0 {
				check(call[0], call[1:], t.Location)
			}
			return false
		})
		if err != nil {
			return err
		}
	}
	return nil
}

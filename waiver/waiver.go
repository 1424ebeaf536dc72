// Package waiver reads waiver files, checks them against the rules and the
// organisation's policy data, and applies them to a result: a waiver is an
// accepted risk with an owner, a reason, an expiry date and, where the rule
// or the policy asks for it, a ticket. A finding a waiver matches is still
// reported, marked waived, and no longer counts for the gate; waivers that
// expired, expire soon or matched nothing give the tool findings AGP002,
// AGP004 and AGP003, which point at the waiver's line.
//
// A waiver file is YAML (or JSON) with one top-level key:
//
//	waivers:
//	  - id: payments-rps              # optional; default RULE/GROUP[/DESTINATION][/KEY]
//	    rule: MIG002                  # a rule ID (required)
//	    group: payments               # GroupId or GroupName (required); a pattern
//	                                  #   (*, ?, [...]) only when the policy allows it
//	    destination: apigateway-...   # the destination instance (optional)
//	    key: 10.0.0.1                 # the finding's key (optional)
//	    reason: support migrates it   # why the risk is accepted (required)
//	    owner: team-payments          # who answers for it (required)
//	    ticket: "8123456"             # required when the rule or the policy says so
//	    expires: 2026-12-31           # the last day it applies, UTC (required)
package waiver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Waiver is one entry of a waiver file.
type Waiver struct {
	// ID names the waiver in reports; Derived is set when the file gave
	// none and ID was made from the rule, group, destination and key.
	ID      string
	Derived bool
	Rule    string
	Group   string
	// Destination and Key narrow the match; empty matches any.
	Destination string
	Key         string
	Reason      string
	Owner       string
	Ticket      string
	// Expires is the last day the waiver applies (UTC), as written
	// (YYYY-MM-DD); until is the end of that day.
	Expires string
	until   time.Time
	// File and Line are where the entry begins; Field is the path of the
	// entry in its file, e.g. "waivers[2]".
	File  string
	Line  int
	Field string
	lines map[string]int // key -> line of its value
}

// Until is the instant the waiver stops applying: the end of its expiry
// day, UTC.
func (w *Waiver) Until() time.Time { return w.until }

// Expired reports whether the waiver no longer applies at now.
func (w *Waiver) Expired(now time.Time) bool { return !now.Before(w.until) }

// Pattern reports whether the group is a pattern rather than a name.
func (w *Waiver) Pattern() bool { return strings.ContainsAny(w.Group, "*?[") }

// lineOf is the line of a field's value, else of the entry.
func (w *Waiver) lineOf(field string) int {
	if l, ok := w.lines[field]; ok {
		return l
	}
	return w.Line
}

// Error is a waiver file that cannot be used: the file, the line, the
// field and what is wrong. The CLI maps it to exit code 2.
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *Error) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("waivers %s: %s: %s", where, e.Field, e.Msg)
	}
	return fmt.Sprintf("waivers %s: %s", where, e.Msg)
}

// fields are the keys of an entry, in documentation order.
var fields = []string{"id", "rule", "group", "destination", "key", "reason", "owner", "ticket", "expires"}

// required are the keys every entry must have (ticket depends on the rule
// and the policy, see Check).
var required = []string{"rule", "group", "reason", "owner", "expires"}

// dateLayout is how expires is written.
const dateLayout = "2006-01-02"

// LoadFile reads and parses a waiver file.
func LoadFile(file string) ([]Waiver, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Error{File: file, Msg: fmt.Sprintf("cannot read: %v; give an existing waiver file", err)}
	}
	return Parse(file, data)
}

// Parse reads a waiver file's contents: one YAML (or JSON) document whose
// only top-level key is waivers, holding a list of entries.
func Parse(file string, data []byte) ([]Waiver, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Msg: "the file is empty; write a top-level waivers: list"}
		}
		return nil, yamlError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: file, Line: extra.Line, Msg: "a second YAML document (after a '---' line) begins here; a waiver file is one document"}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(file, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: root.Line, Msg: "want a mapping with one key, waivers, holding the list of waivers"}
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "waivers" {
			return nil, &Error{File: file, Line: k.Line, Field: k.Value, Msg: "unknown key; a waiver file has one top-level key, waivers"}
		}
		if list != nil {
			return nil, &Error{File: file, Line: k.Line, Field: "waivers", Msg: "given twice; keep one list"}
		}
		list = v
	}
	if list == nil {
		return nil, &Error{File: file, Line: root.Line, Field: "waivers", Msg: "missing; write the list under a top-level waivers: key"}
	}
	return ParseNode(file, list, "waivers")
}

// ParseNode reads a list of waiver entries from a YAML node; field names
// the list in messages (e.g. "waivers"). The configuration file's inline
// waivers: list is read with it.
func ParseNode(file string, list *yaml.Node, field string) ([]Waiver, error) {
	if list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
		return nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, &Error{File: file, Line: list.Line, Field: field, Msg: "want a list of waivers (entries beginning with '- rule: ...')"}
	}
	out := make([]Waiver, 0, len(list.Content))
	for i, n := range list.Content {
		w, err := parseEntry(file, n, fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

func parseEntry(file string, n *yaml.Node, field string) (Waiver, error) {
	w := Waiver{File: file, Line: n.Line, Field: field, lines: map[string]int{}}
	if n.Kind != yaml.MappingNode {
		return w, &Error{File: file, Line: n.Line, Field: field, Msg: "want a mapping with rule, group, reason, owner and expires"}
	}
	vals := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		at := field + "." + name
		known := false
		for _, f := range fields {
			known = known || f == name
		}
		if !known {
			return w, &Error{File: file, Line: k.Line, Field: at, Msg: fmt.Sprintf("unknown key (known keys: %s)", strings.Join(fields, ", "))}
		}
		if _, dup := vals[name]; dup {
			return w, &Error{File: file, Line: k.Line, Field: at, Msg: "given twice in one waiver; keep one"}
		}
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return w, &Error{File: file, Line: v.Line, Field: at, Msg: "want a single value (text)"}
		}
		vals[name] = strings.TrimSpace(v.Value)
		w.lines[name] = v.Line
	}
	for _, r := range required {
		if vals[r] == "" {
			return w, &Error{File: file, Line: w.lineOf(r), Field: field + "." + r, Msg: "missing; " + hint[r]}
		}
	}
	w.ID, w.Rule, w.Group = vals["id"], strings.ToUpper(vals["rule"]), vals["group"]
	w.Destination, w.Key = vals["destination"], vals["key"]
	w.Reason, w.Owner, w.Ticket = vals["reason"], vals["owner"], vals["ticket"]
	w.Expires = vals["expires"]
	day, err := time.Parse(dateLayout, w.Expires)
	if err != nil {
		return w, &Error{File: file, Line: w.lineOf("expires"), Field: field + ".expires",
			Msg: fmt.Sprintf("%q is not a date; write the last day the waiver applies as YYYY-MM-DD, e.g. 2026-12-31", w.Expires)}
	}
	w.until = day.AddDate(0, 0, 1)
	if w.Pattern() {
		if _, err := path.Match(w.Group, ""); err != nil {
			return w, &Error{File: file, Line: w.lineOf("group"), Field: field + ".group", Msg: fmt.Sprintf("pattern %q is malformed: %v", w.Group, err)}
		}
	}
	if w.ID == "" {
		parts := []string{w.Rule, w.Group}
		for _, p := range []string{w.Destination, w.Key} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		w.ID, w.Derived = strings.Join(parts, "/"), true
	}
	return w, nil
}

var hint = map[string]string{
	"rule":    "name the rule the waiver accepts, e.g. rule: MIG002 ('apigw-preflight policies list' lists them)",
	"group":   "name the API group (its GroupId or GroupName), e.g. group: payments",
	"reason":  "say why the risk is accepted",
	"owner":   "name who answers for the accepted risk (a team or a person)",
	"expires": "give the last day the waiver applies as YYYY-MM-DD",
}

// yamlError is a YAML syntax error at its line ("yaml: line 3: ...").
func yamlError(file string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var n int
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if _, err := fmt.Sscanf(num, "%d", &n); err == nil {
				msg = text
			}
		}
	}
	return &Error{File: file, Line: n, Msg: msg + "; fix the YAML syntax"}
}

// Package terraform reads Terraform plans in the JSON form `terraform show
// -json PLANFILE` writes, as input for the rules under
// data.apigw.terraform (MIG016). It knows the plan format only as far as
// those rules and the CLI need: resource_changes, their address, type and
// change (actions, before, after), and the API groups among them.
package terraform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// GroupType is the resource type of an API Gateway API group in the
// alicloud provider.
const GroupType = "alicloud_api_gateway_group"

// Plan is one plan file, decoded and checked.
type Plan struct {
	// Name is the path as the user gave it ("-" for standard input).
	Name string
	// Raw is the file's bytes.
	Raw []byte
	// Value is the decoded JSON (numbers as json.Number), the policy input.
	Value map[string]any
	// Lines maps JSON paths to 1-based lines in Raw. terraform show -json
	// writes one line; a plan pretty-printed (jq .) has a line per field.
	Lines *snapshot.LineIndex
	// Groups are the API groups the plan changes, in plan order.
	Groups []GroupChange
}

// GroupChange is one resource_changes entry of type GroupType.
type GroupChange struct {
	// Address is the resource address (module.api.alicloud_api_gateway_group.orders).
	Address string
	// Index is the entry's position in resource_changes.
	Index int
	// Actions are change.actions (["delete","create"] for a replacement).
	Actions []string
	// GroupID is the id attribute before the change, else after it; ""
	// when the plan does not know it (a group being created).
	GroupID string
	// Name is the group's name attribute, before the change else after.
	Name string
	// From and To are instance_id before and after the change; To is ""
	// when it is known only after apply.
	From, To string
}

// LooksLikePlan tells a plan from a snapshot by content: a JSON object
// with format_version and resource_changes or planned_values.
func LooksLikePlan(raw []byte) bool {
	if !snapshot.MayHaveTopLevelKey(raw, "format_version") {
		return false // a snapshot, without decoding it twice
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")), &top) != nil {
		return false
	}
	_, version := top["format_version"]
	_, changes := top["resource_changes"]
	_, planned := top["planned_values"]
	return version && (changes || planned)
}

// LoadFile reads and checks one plan file; "-" reads stdin.
func LoadFile(name string, stdin io.Reader) (*Plan, error) {
	raw, err := snapshot.ReadInput(name, stdin, "Terraform plan")
	if err != nil {
		return nil, err
	}
	return Parse(name, raw)
}

const hint = "give the JSON that terraform show -json PLANFILE writes (terraform plan -out=PLANFILE first)"

// Parse decodes and checks a plan held in memory. Problems are
// *snapshot.InputError, which the CLI reports as bad input (exit 2).
func Parse(name string, raw []byte) (*Plan, error) {
	file := name
	if name == "-" {
		file = "<stdin>"
	}
	bad := func(line int, path, msg string) error {
		return &snapshot.InputError{File: file, Line: line, Path: path, Msg: msg, Hint: hint}
	}
	body := bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, bad(0, "", "file is empty, not a Terraform plan")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, bad(0, "", "not valid JSON: "+err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad(0, "", "unexpected data after the plan object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, bad(1, "", "not a Terraform plan: the top level is not an object")
	}
	lines, err := snapshot.IndexLines(name, raw)
	if err != nil {
		return nil, err
	}
	at := func(path ...string) int { return lines.Line(path) }
	if _, ok := obj["format_version"].(string); !ok {
		return nil, bad(1, "format_version", "not a Terraform plan: no format_version string")
	}
	_, hasChanges := obj["resource_changes"]
	if _, planned := obj["planned_values"]; !hasChanges && !planned {
		return nil, bad(1, "", "not a Terraform plan: neither resource_changes nor planned_values")
	}
	p := &Plan{Name: name, Raw: raw, Value: obj, Lines: lines}
	if !hasChanges {
		return p, nil
	}
	changes, ok := obj["resource_changes"].([]any)
	if !ok {
		return nil, bad(at("resource_changes"), "resource_changes", "want an array")
	}
	for i, item := range changes {
		idx := strconv.Itoa(i)
		path := "resource_changes[" + idx + "]"
		rc, ok := item.(map[string]any)
		if !ok {
			return nil, bad(at("resource_changes", idx), path, "want an object")
		}
		addr, _ := rc["address"].(string)
		typ, _ := rc["type"].(string)
		if addr == "" || typ == "" {
			return nil, bad(at("resource_changes", idx), path, "want the strings address and type")
		}
		change, ok := rc["change"].(map[string]any)
		if !ok {
			return nil, bad(at("resource_changes", idx), path+".change", "want an object")
		}
		acts, ok := change["actions"].([]any)
		if !ok {
			return nil, bad(at("resource_changes", idx, "change"), path+".change.actions", "want an array of strings")
		}
		var actions []string
		for _, a := range acts {
			s, ok := a.(string)
			if !ok {
				return nil, bad(at("resource_changes", idx, "change", "actions"), path+".change.actions", "want an array of strings")
			}
			actions = append(actions, s)
		}
		if typ != GroupType {
			continue
		}
		before, _ := change["before"].(map[string]any)
		after, _ := change["after"].(map[string]any)
		attr := func(key string) string {
			if s, _ := before[key].(string); s != "" {
				return s
			}
			s, _ := after[key].(string)
			return s
		}
		from, _ := before["instance_id"].(string)
		to, _ := after["instance_id"].(string)
		p.Groups = append(p.Groups, GroupChange{
			Address: addr, Index: i, Actions: actions,
			GroupID: attr("id"), Name: attr("name"), From: from, To: to,
		})
	}
	return p, nil
}

// Group returns the group change at a resource address.
func (p *Plan) Group(address string) (GroupChange, bool) {
	for _, g := range p.Groups {
		if g.Address == address {
			return g, true
		}
	}
	return GroupChange{}, false
}

// String names the change for messages.
func (g GroupChange) String() string {
	return fmt.Sprintf("%s (group %s, instance_id %s -> %s)", g.Address, g.GroupID, g.From, g.To)
}

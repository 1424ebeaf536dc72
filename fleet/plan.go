package fleet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Plan is what an audit evaluates: groups and, for each, the destinations
// to evaluate it on; the first is the planned one, the others candidates.
type Plan struct {
	// Name is the file the plan was read from, or "audit" for a plan the
	// command line gave (--all-groups).
	Name       string  `json:"-"`
	Region     string  `json:"region,omitempty"`
	Migrations []Entry `json:"migrations"`
}

// Entry is one group of the plan.
type Entry struct {
	// Group is the group's ID or its name.
	Group string `json:"group"`
	// Region overrides the plan's region for this group.
	Region string `json:"region,omitempty"`
	// To lists the destination instance IDs, the planned one first.
	To []string `json:"to"`
	// Line is the entry's line in the plan file (0 when not from a file).
	Line int `json:"-"`
}

// RegionOf is the entry's region: its own, else the plan's.
func (p *Plan) RegionOf(e Entry) string {
	if e.Region != "" {
		return e.Region
	}
	return p.Region
}

// PlanError is a plan file that cannot be used: where and what.
type PlanError struct {
	File string
	Line int
	Msg  string
}

func (e *PlanError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

var yamlLine = regexp.MustCompile(`^line (\d+): `)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// ParsePlan reads a plan file, YAML or JSON:
//
//	{"region": R, "migrations": [{"group": ID-or-name, "to": [I1, I2], "region": R2}, ...]}
//
// Unknown keys, a missing region, an empty destination list, a group
// listed twice in one region and a destination listed twice for one group
// are errors naming the line.
func ParsePlan(name string, data []byte) (*Plan, error) {
	bad := func(line int, format string, a ...any) error {
		return &PlanError{File: name, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, bad(0, "the plan is empty; give {region: R, migrations: [{group: G, to: [I1, I2]}]}")
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line := 0
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		}
		return nil, bad(line, "not YAML or JSON: %s", msg)
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil, bad(doc.Line, "the plan must be an object with region and migrations")
	}
	p := &Plan{Name: name}
	var migs *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		switch k.Value {
		case "region":
			s, err := scalar(v)
			if err != nil {
				return nil, bad(v.Line, "region: %v", err)
			}
			p.Region = s
		case "migrations":
			migs = v
		default:
			return nil, bad(k.Line, "unknown key %q (want region, migrations)", k.Value)
		}
	}
	if migs == nil || migs.Kind != yaml.SequenceNode || len(migs.Content) == 0 {
		line := doc.Line
		if migs != nil {
			line = migs.Line
		}
		return nil, bad(line, "migrations must be a non-empty list of {group, to}")
	}
	seen := map[string]int{}
	for _, n := range migs.Content {
		if n.Kind != yaml.MappingNode {
			return nil, bad(n.Line, "a migration must be an object {group, to, region}")
		}
		e := Entry{Line: n.Line}
		hasTo := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch k.Value {
			case "group":
				s, err := scalar(v)
				if err != nil {
					return nil, bad(v.Line, "group: %v", err)
				}
				e.Group = s
			case "region":
				s, err := scalar(v)
				if err != nil {
					return nil, bad(v.Line, "region: %v", err)
				}
				e.Region = s
			case "to":
				hasTo = true
				items := []*yaml.Node{v}
				if v.Kind == yaml.SequenceNode {
					items = v.Content
				}
				for _, it := range items {
					s, err := scalar(it)
					if err != nil {
						return nil, bad(it.Line, "to: %v", err)
					}
					if !idPattern.MatchString(s) {
						return nil, bad(it.Line, "to: %q is not an instance ID", s)
					}
					if slices.Contains(e.To, s) {
						return nil, bad(it.Line, "to: %s is listed twice", s)
					}
					e.To = append(e.To, s)
				}
			default:
				return nil, bad(k.Line, "unknown key %q in a migration (want group, to, region)", k.Value)
			}
		}
		switch {
		case e.Group == "":
			return nil, bad(n.Line, "a migration needs group (the group's ID or name)")
		case !hasTo || len(e.To) == 0:
			return nil, bad(n.Line, "group %s: to must list at least one destination instance, the planned one first", e.Group)
		case p.RegionOf(e) == "":
			return nil, bad(n.Line, "group %s: no region; give region at the top of the plan or in the migration", e.Group)
		}
		key := p.RegionOf(e) + "/" + e.Group
		if prev, dup := seen[key]; dup {
			return nil, bad(n.Line, "group %s in %s is already planned at line %d; list each group once with all its destinations", e.Group, p.RegionOf(e), prev)
		}
		seen[key] = n.Line
		p.Migrations = append(p.Migrations, e)
	}
	return p, nil
}

func scalar(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", fmt.Errorf("want a string")
	}
	s := strings.TrimSpace(n.Value)
	if s == "" {
		return "", fmt.Errorf("must not be empty")
	}
	return s, nil
}

// Marshal renders the plan as JSON (the form an audit keeps in its
// snapshots directory, so that the report can be rebuilt from it).
func (p *Plan) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Shard is one of N deterministic parts of a plan (K from 1 to N).
type Shard struct{ K, N int }

// ParseShard reads K/N.
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, fmt.Errorf("%q: want K/N with 1 <= K <= N, such as 2/4", s)
	}
	return Shard{K: ki, N: ni}, nil
}

// Take reports whether the entry belongs to the shard: a hash of its
// region and group, so the split does not depend on the plan's order.
func (s Shard) Take(region, group string) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(region + "\x00" + group))
	return int(h.Sum64()%uint64(s.N)) == s.K-1
}

// Select returns the plan's entries that belong to the shard, in order.
func (p *Plan) Select(s Shard) *Plan {
	out := &Plan{Name: p.Name, Region: p.Region}
	for _, e := range p.Migrations {
		if s.Take(p.RegionOf(e), e.Group) {
			out.Migrations = append(out.Migrations, e)
		}
	}
	return out
}

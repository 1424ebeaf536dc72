// Package emulator is a wire-compatible stand-in for the Alibaba Cloud
// CloudAPI 2016-07-14 and ECS 2014-05-26 RPC APIs, seeded from a world file.
// It lets tests and the demo drive the real SDK over HTTP on loopback:
// requests are signed and verified exactly as the cloud does, responses have
// the cloud's shapes, and faults (throttling, outages, broken bodies, resets,
// latency) can be injected per action.
package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// World is the cloud state the emulator serves. Cloud objects (instances,
// groups, VPC accesses, security groups, deployed API bodies) are kept
// verbatim with the API's own field names and value forms.
type World struct {
	// RegionID is the region of every object that does not name its own.
	RegionID string `yaml:"regionId" json:"regionId"`
	// Credentials are the access keys the emulator accepts.
	Credentials []Credential `yaml:"credentials" json:"credentials"`
	// Instances are DescribeInstances InstanceAttribute objects.
	Instances []map[string]any `yaml:"instances,omitempty" json:"instances,omitempty"`
	// Groups are DescribeApiGroup bodies (RequestId is added per response).
	Groups []map[string]any `yaml:"groups,omitempty" json:"groups,omitempty"`
	// APIs are the APIs of the groups.
	APIs []API `yaml:"apis,omitempty" json:"apis,omitempty"`
	// VpcAccesses are DescribeVpcAccesses VpcAccessAttribute objects.
	VpcAccesses []map[string]any `yaml:"vpcAccesses,omitempty" json:"vpcAccesses,omitempty"`
	// BackendServices are DescribeBackendInfo BackendInfo objects
	// (BackendId, BackendName, BackendType, BackendModels[] with each
	// stage's BackendConfig): the reusable backend services an API's
	// BackendConfig.BackendId names.
	BackendServices []map[string]any `yaml:"backendServices,omitempty" json:"backendServices,omitempty"`
	// GroupQps maps a GroupId to its DescribeGroupQps MonitorItem objects.
	GroupQps map[string][]map[string]any `yaml:"groupQps,omitempty" json:"groupQps,omitempty"`
	// InstanceQps maps an InstanceId to its DescribeInstanceQps MonitorItem objects.
	InstanceQps map[string][]map[string]any `yaml:"instanceQps,omitempty" json:"instanceQps,omitempty"`
	// InstanceQpsSeries maps an InstanceId to values served one per
	// DescribeInstanceQps call (the last one repeats), each as a single
	// MonitorItem stamped at the current minute, instead of InstanceQps:
	// traffic that changes while a client watches, such as a source
	// instance draining after a migration.
	InstanceQpsSeries map[string][]float64 `yaml:"instanceQpsSeries,omitempty" json:"instanceQpsSeries,omitempty"`
	// SecurityGroups are DescribeSecurityGroupAttribute bodies plus the
	// SecurityGroupType that DescribeSecurityGroups reports.
	SecurityGroups []map[string]any `yaml:"securityGroups,omitempty" json:"securityGroups,omitempty"`
	// NetworkInterfaces are ECS DescribeNetworkInterfaces
	// NetworkInterfaceSet objects (NetworkInterfaceId, ZoneId, VSwitchId,
	// SecurityGroupIds.SecurityGroupId[], ...), e.g. the ENIs of a VPC
	// integration instance.
	NetworkInterfaces []map[string]any `yaml:"networkInterfaces,omitempty" json:"networkInterfaces,omitempty"`
	// Migrations say how ModifyApiGroupInstance plays out, per GroupId.
	// A group without an entry succeeds after DefaultMigrationPolls polls.
	Migrations map[string]Migration `yaml:"migrations,omitempty" json:"migrations,omitempty"`
	// Faults are injected from the start (see Server.AddFault).
	Faults []Fault `yaml:"faults,omitempty" json:"faults,omitempty"`

	// Second-wave reads (actions_second_wave.go).
	// GroupPlugins maps a GroupId to a stage (RELEASE, PRE, TEST) to the
	// DescribePluginsByGroup PluginAttribute objects bound there.
	GroupPlugins map[string]map[string][]map[string]any `yaml:"groupPlugins,omitempty" json:"groupPlugins,omitempty"`
	// GroupVpcWhitelists maps a GroupId to its DescribeApiGroupVpcWhitelist
	// VpcIds (a comma-separated string, as the API gives it).
	GroupVpcWhitelists map[string]string `yaml:"groupVpcWhitelists,omitempty" json:"groupVpcWhitelists,omitempty"`
}

// Credential is one access key the emulator accepts.
type Credential struct {
	AccessKeyID     string `yaml:"accessKeyId" json:"accessKeyId"`
	AccessKeySecret string `yaml:"accessKeySecret" json:"accessKeySecret"`
	// SecurityToken, when set, must be sent as the SecurityToken parameter (STS).
	SecurityToken string `yaml:"securityToken,omitempty" json:"securityToken,omitempty"`
}

// API is one API of a group: the DescribeApis ApiSummary fields (the four
// named here plus any other API field, verbatim) and what runs per stage.
type API struct {
	GroupID    string `yaml:"GroupId" json:"GroupId"`
	APIID      string `yaml:"ApiId" json:"ApiId"`
	APIName    string `yaml:"ApiName" json:"ApiName"`
	Visibility string `yaml:"Visibility,omitempty" json:"Visibility,omitempty"`
	// Deployed maps a stage name (RELEASE, PRE, TEST) to the
	// DescribeDeployedApi body fields of that stage (ServiceConfig etc.).
	Deployed map[string]map[string]any `yaml:"deployed,omitempty" json:"deployed,omitempty"`
	// Fields holds the other ApiSummary fields (ApiPath, ApiMethod, ...).
	Fields map[string]any `yaml:",inline" json:"-"`
}

// Migration says how ModifyApiGroupInstance of one group plays out.
type Migration struct {
	// Polls is how many DescribeApiGroup responses still show
	// MigrationStatus "Running" before the outcome is visible.
	Polls int `yaml:"polls" json:"polls"`
	// Fail makes the migration end "Failed" with Error as MigrationError.
	Fail  bool   `yaml:"fail,omitempty" json:"fail,omitempty"`
	Error string `yaml:"error,omitempty" json:"error,omitempty"`
}

// DefaultMigrationPolls is the Polls of a group without a migrations entry.
const DefaultMigrationPolls = 2

// LoadWorld reads a world file, YAML or JSON (told apart by content).
func LoadWorld(path string) (*World, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read world: %w", err)
	}
	return ParseWorld(data, path)
}

var unknownFieldRE = regexp.MustCompile(`line (\d+): field (.+) not found in type`)

// ParseWorld decodes and validates a world; name (usually the file path)
// prefixes every error. Unknown keys are errors naming the key and its line.
func ParseWorld(data []byte, name string) (*World, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		if err := checkJSON(data); err != nil {
			return nil, fmt.Errorf("world %s: %w", name, err)
		}
		// Valid JSON holds tabs only as whitespace (never raw inside a
		// string), and YAML rejects tabs in some places JSON allows them.
		data = bytes.ReplaceAll(data, []byte("\t"), []byte(" "))
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("world %s: empty file", name)
		}
		return nil, fmt.Errorf("world %s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if err := checkAPIKeys(&root); err != nil {
		return nil, fmt.Errorf("world %s: %w", name, err)
	}
	var w World
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(&w); err != nil {
		return nil, fmt.Errorf("world %s: %s", name, describeYAMLError(err))
	}
	if err := w.normalize(); err != nil {
		return nil, fmt.Errorf("world %s: %w", name, err)
	}
	if err := w.Validate(); err != nil {
		if line := lineOfPath(&root, err.Error()); line > 0 {
			return nil, fmt.Errorf("world %s: line %d: %w", name, line, err)
		}
		return nil, fmt.Errorf("world %s: %w", name, err)
	}
	return &w, nil
}

// checkJSON reports a JSON syntax error with its line.
func checkJSON(data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return fmt.Errorf("line %d: invalid JSON: %v", line, se)
	}
	return err
}

func describeYAMLError(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return strings.TrimPrefix(err.Error(), "yaml: ")
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		if m := unknownFieldRE.FindStringSubmatch(e); m != nil {
			msgs = append(msgs, fmt.Sprintf("line %s: unknown key %q", m[1], m[2]))
			continue
		}
		msgs = append(msgs, e)
	}
	return strings.Join(msgs, "; ")
}

// checkAPIKeys rejects lower-case keys other than "deployed" in apis[]
// entries: every verbatim API field starts with a capital letter, so a
// lower-case key there is a typo of a world-format key.
func checkAPIKeys(root *yaml.Node) error {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a world is a mapping of keys (regionId, credentials, ...)", doc.Line)
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value != "apis" || doc.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for _, item := range doc.Content[i+1].Content {
			if item.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(item.Content); j += 2 {
				k := item.Content[j]
				if k.Value == "deployed" || k.Value == "" {
					continue
				}
				if r := []rune(k.Value)[0]; !unicode.IsUpper(r) {
					return fmt.Errorf("line %d: unknown key %q in apis (API fields are spelled as the API does, e.g. ApiPath; stages go under deployed)", k.Line, k.Value)
				}
			}
		}
	}
	return nil
}

// normalize turns YAML-decoded maps into JSON-encodable ones.
func (w *World) normalize() error {
	var err error
	fix := func(m map[string]any) map[string]any {
		v, e := jsonable(m)
		if e != nil && err == nil {
			err = e
		}
		out, _ := v.(map[string]any)
		return out
	}
	for _, list := range [][]map[string]any{w.Instances, w.Groups, w.VpcAccesses, w.BackendServices, w.SecurityGroups, w.NetworkInterfaces} {
		for i := range list {
			list[i] = fix(list[i])
		}
	}
	for i := range w.APIs {
		w.APIs[i].Fields = fix(w.APIs[i].Fields)
		for st, body := range w.APIs[i].Deployed {
			w.APIs[i].Deployed[st] = fix(body)
		}
	}
	w.normalizeSecondWave(fix)
	for _, qps := range []map[string][]map[string]any{w.GroupQps, w.InstanceQps} {
		for _, items := range qps {
			for i := range items {
				items[i] = fix(items[i])
			}
		}
	}
	return err
}

// jsonable deep-copies v, turning map[any]any into map[string]any.
func jsonable(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		if t == nil {
			return map[string]any(nil), nil
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			c, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			c, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			c, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case time.Time:
		return t.UTC().Format(time.RFC3339), nil
	default:
		return v, nil
	}
}

// Validate checks the world's references and required fields.
func (w *World) Validate() error {
	if w.RegionID == "" {
		return errors.New("regionId: required (e.g. cn-hangzhou)")
	}
	if len(w.Credentials) == 0 {
		return errors.New("credentials: at least one access key is required")
	}
	keys := map[string]bool{}
	for i, c := range w.Credentials {
		if c.AccessKeyID == "" || c.AccessKeySecret == "" {
			return fmt.Errorf("credentials[%d]: accessKeyId and accessKeySecret are required", i)
		}
		if keys[c.AccessKeyID] {
			return fmt.Errorf("credentials[%d]: accessKeyId %q is listed twice", i, c.AccessKeyID)
		}
		keys[c.AccessKeyID] = true
	}
	instances, err := indexBy(w.Instances, "instances", "InstanceId")
	if err != nil {
		return err
	}
	groups, err := indexBy(w.Groups, "groups", "GroupId")
	if err != nil {
		return err
	}
	for i, g := range w.Groups {
		id, _ := g["InstanceId"].(string)
		if id == "" {
			return fmt.Errorf("groups[%d] (%s): InstanceId is required", i, g["GroupId"])
		}
		if !instances[id] {
			return fmt.Errorf("groups[%d] (%s): InstanceId %q is not in instances", i, g["GroupId"], id)
		}
	}
	apiIDs := map[string]bool{}
	for i, a := range w.APIs {
		if a.GroupID == "" || a.APIID == "" {
			return fmt.Errorf("apis[%d]: GroupId and ApiId are required", i)
		}
		if !groups[a.GroupID] {
			return fmt.Errorf("apis[%d] (%s): GroupId %q is not in groups", i, a.APIID, a.GroupID)
		}
		if apiIDs[a.GroupID+"/"+a.APIID] {
			return fmt.Errorf("apis[%d]: ApiId %q is listed twice in group %s", i, a.APIID, a.GroupID)
		}
		apiIDs[a.GroupID+"/"+a.APIID] = true
		for _, st := range sortedKeys(a.Deployed) {
			if !stageNames[st] {
				return fmt.Errorf("apis[%d] (%s): deployed stage %q: want RELEASE, PRE or TEST", i, a.APIID, st)
			}
		}
	}
	if err := validateBackendServices(w.BackendServices); err != nil {
		return err
	}
	if _, err := indexBy(w.SecurityGroups, "securityGroups", "SecurityGroupId"); err != nil {
		return err
	}
	if _, err := indexBy(w.NetworkInterfaces, "networkInterfaces", "NetworkInterfaceId"); err != nil {
		return err
	}
	for _, q := range []struct {
		name  string
		items map[string][]map[string]any
		known map[string]bool
	}{{"groupQps", w.GroupQps, groups}, {"instanceQps", w.InstanceQps, instances}} {
		for _, id := range sortedKeys(q.items) {
			if !q.known[id] {
				return fmt.Errorf("%s[%s]: not a known %s", q.name, id, strings.TrimSuffix(q.name, "Qps"))
			}
			for i, it := range q.items[id] {
				ts, _ := it["ItemTime"].(string)
				if _, err := itemTime(ts, time.Now()); err != nil {
					return fmt.Errorf("%s[%s][%d]: ItemTime %q: want a UTC time like 2026-11-19T10:00:00Z or a time relative to the emulator's start like now-36h", q.name, id, i, it["ItemTime"])
				}
				if _, ok := it["ItemValue"]; !ok {
					return fmt.Errorf("%s[%s][%d]: ItemValue is required", q.name, id, i)
				}
				if st := itemStage(it); !stageNames[st] {
					return fmt.Errorf("%s[%s][%d]: stage %q: want RELEASE, PRE or TEST", q.name, id, i, st)
				}
			}
		}
	}
	for _, id := range sortedKeys(w.InstanceQpsSeries) {
		if !instances[id] {
			return fmt.Errorf("instanceQpsSeries[%s]: not a known instance", id)
		}
		if len(w.InstanceQpsSeries[id]) == 0 {
			return fmt.Errorf("instanceQpsSeries[%s]: give at least one value", id)
		}
		for i, v := range w.InstanceQpsSeries[id] {
			if v < 0 {
				return fmt.Errorf("instanceQpsSeries[%s][%d]: %v: values must not be negative", id, i, v)
			}
		}
	}
	for _, id := range sortedKeys(w.Migrations) {
		if !groups[id] {
			return fmt.Errorf("migrations[%s]: not a GroupId in groups", id)
		}
		if w.Migrations[id].Polls < 0 {
			return fmt.Errorf("migrations[%s]: polls must not be negative", id)
		}
	}
	if err := w.validateSecondWave(groups); err != nil {
		return err
	}
	for i, f := range w.Faults {
		if err := f.validate(); err != nil {
			return fmt.Errorf("faults[%d]: %w", i, err)
		}
	}
	return nil
}

func indexBy(list []map[string]any, name, key string) (map[string]bool, error) {
	seen := make(map[string]bool, len(list))
	for i, o := range list {
		id, _ := o[key].(string)
		if id == "" {
			return nil, fmt.Errorf("%s[%d]: %s is required (a string)", name, i, key)
		}
		if seen[id] {
			return nil, fmt.Errorf("%s[%d]: %s %q is listed twice", name, i, key, id)
		}
		seen[id] = true
	}
	return seen, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// itemTime reads a MonitorItem ItemTime: an RFC 3339 time, or "now" with an
// optional signed Go duration ("now-36h") counted from start.
func itemTime(v string, start time.Time) (time.Time, error) {
	rest, ok := strings.CutPrefix(v, "now")
	if !ok {
		return time.Parse(time.RFC3339, v)
	}
	if rest == "" {
		return start, nil
	}
	if rest[0] != '-' && rest[0] != '+' {
		return time.Time{}, fmt.Errorf("bad relative time %q", v)
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return time.Time{}, err
	}
	return start.Add(d), nil
}

var pathRE = regexp.MustCompile(`^([A-Za-z]+)((?:\[[^\]]*\])*)`)

// lineOfPath finds the line of the object a Validate message starts with
// ("groups[1]: ...", "groupQps[id][0]: ..."), or 0.
func lineOfPath(root *yaml.Node, msg string) int {
	m := pathRE.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	path := []string{m[1]}
	for _, part := range strings.Split(m[2], "[") {
		if part = strings.TrimSuffix(part, "]"); part != "" {
			path = append(path, part)
		}
	}
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, p := range path {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					line, next = n.Content[i].Line, n.Content[i+1]
				}
			}
		case yaml.SequenceNode:
			var i int
			if _, err := fmt.Sscan(p, &i); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
				line = next.Line
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	return line
}

package snapshot

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every sample snapshot in testdata keeps to the contract.
func TestSamplesValidate(t *testing.T) {
	files, _ := filepath.Glob("../testdata/snapshots/*.json")
	more, _ := filepath.Glob("../policies/rules/*/testdata/*.json")
	files = append(files, more...)
	if len(files) < 2 {
		t.Fatalf("found %d samples", len(files))
	}
	for _, f := range files {
		if isTerraformPlan(t, f) || isFleetInput(t, f) {
			continue // a plan or fleet rule's sample: not a snapshot
		}
		d, err := LoadFile(f, nil)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if d.GroupID == "" || d.DestID == "" || d.SourceID == "" || d.CollectedAt.IsZero() {
			t.Errorf("%s: summary fields not filled: %+v", f, d)
		}
	}
}

// isTerraformPlan reports whether the file is a Terraform plan (terraform
// show -json: a top-level format_version) rather than a snapshot.
func isTerraformPlan(t *testing.T, path string) bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return false
	}
	_, ok := top["format_version"]
	return ok
}

// isFleetInput reports a fleet rule's sample: an audit's plan and its
// migrations, each holding a snapshot.
func isFleetInput(t *testing.T, path string) bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return false
	}
	_, plan := top["plan"]
	_, migs := top["migrations"]
	return plan && migs && top["schemaVersion"] == nil
}

func TestLineIndex(t *testing.T) {
	src := `{
  "schemaVersion": "apigw-preflight/v1",
  "collectedAt": "2026-11-20T08:00:00Z",
  "regionId": "cn-hangzhou",
  "group": {"GroupId": "g", "InstanceId": "s",
    "CustomDomains": {"DomainItem": [
      {"DomainName": "a.example.com"},
      {"DomainName": "b.example.com",
       "CertificateId": "c"}
    ]}},
  "source": {"InstanceId": "s"},
  "destination": {
    "InstanceId": "d",
    "InstanceRpsLimit": "2500"
  },
  "backends": [
    {"protocol": "HTTP", "ips": ["1.2.3.4"],
     "allowlist": null}
  ]
}`
	d, err := Parse("x.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path []string
		line int
	}{
		{[]string{"schemaVersion"}, 2},
		{[]string{"group"}, 5},
		{[]string{"group", "InstanceId"}, 5},
		{[]string{"group", "CustomDomains", "DomainItem", "1"}, 8},
		{[]string{"group", "CustomDomains", "DomainItem", "1", "CertificateId"}, 9},
		{[]string{"destination", "InstanceRpsLimit"}, 14},
		{[]string{"backends", "0"}, 17},
		{[]string{"backends", "0", "allowlist"}, 18},
		{[]string{"backends", "0", "ips", "0"}, 17},
		{[]string{"backends", "0", "nosuchfield"}, 17}, // nearest ancestor
		{[]string{"nosuch"}, 1},
	}
	for _, c := range cases {
		if got := d.Lines.Line(c.path); got != c.line {
			t.Errorf("Line(%v) = %d, want %d", c.path, got, c.line)
		}
	}
}

func TestLoosePrimitivesAccepted(t *testing.T) {
	raw, err := os.ReadFile("../testdata/snapshots/healthy.json")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	s = strings.Replace(s, `"TrafficLimit": 500`, `"TrafficLimit": "500"`, 1)
	s = strings.Replace(s, `"SupportIpv6": false,
    "EgressIpv6Enable": false,
    "VpcIntranetEnable": false`, `"SupportIpv6": "false",
    "EgressIpv6Enable": "FALSE",
    "VpcIntranetEnable": "False"`, 1)
	s = strings.Replace(s, `"InstanceRpsLimit": 2500,
    "InstanceChargeType"`, `"InstanceRpsLimit": "2500",
    "InstanceChargeType"`, 1)
	if s == string(raw) {
		t.Fatal("replacements did not apply")
	}
	d, err := Parse("loose.json", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Value["destination"].(map[string]any)["SupportIpv6"]; got != "false" {
		t.Errorf("SupportIpv6 = %#v; loose values must be kept verbatim", got)
	}
}

func TestInputErrors(t *testing.T) {
	cases := []struct {
		name, src string
		path      string
		line      int
		msg       string
	}{
		{"empty", "  \n", "", 0, "file is empty"},
		{"array", "[]", "", 1, "top level is a JSON array"},
		{"trailing", `{"a":1} {"b":2}`, "", 1, "unexpected data after the snapshot object"},
		{"syntax", "{\n\"a\": tru\n}", "", 2, "not valid JSON"},
		{"no version", `{"group":{}}`, "schemaVersion", 1, "missing"},
		{"version type", `{"schemaVersion": 1}`, "schemaVersion", 1, "got a number"},
		{"unknown top-level key", `{"schemaVersion":"apigw-preflight/v1","collectedAt":"2026-11-20T08:00:00Z","regionId":"r",
"group":{"GroupId":"g","InstanceId":"i"},"source":{"InstanceId":"i"},"destination":{"InstanceId":"d"},
"trafic":{}}`, "trafic", 3, `unknown top-level section "trafic"`},
		{"top-level section in another case", `{"schemaVersion":"apigw-preflight/v1","collectedAt":"2026-11-20T08:00:00Z","regionId":"r",
"group":{"GroupId":"g","InstanceId":"i"},"source":{"InstanceId":"i"},"destination":{"InstanceId":"d"},
"Backends":[]}`, "Backends", 3, `unknown top-level section "Backends"`},
		{"typo inside a known section", `{"schemaVersion":"apigw-preflight/v1","collectedAt":"2026-11-20T08:00:00Z","regionId":"r",
"group":{"GroupId":"g","InstanceId":"i"},"source":{"InstanceId":"i"},"destination":{"InstanceId":"d"},
"vpcWhitelist":{"VpcIds":""}, "plugins":[], "traffic":{"peakRps":1,"from":"2026-11-20T08:00:00Z","to":"2026-11-20T08:00:00Z","stgae":"PRE"}}`, "traffic", 3, "stgae"},
		{"bad time", `{"schemaVersion":"apigw-preflight/v1","collectedAt":"yesterday","regionId":"r",
"group":{"GroupId":"g","InstanceId":"i"},"source":{"InstanceId":"i"},"destination":{"InstanceId":"d"}}`, "collectedAt", 1, "date-time"},
		{"bad protocol", `{"schemaVersion":"apigw-preflight/v1","collectedAt":"2026-11-20T08:00:00Z","regionId":"r",
"group":{"GroupId":"g","InstanceId":"i"},"source":{"InstanceId":"i"},"destination":{"InstanceId":"d"},
"backends":[
 {"protocol":"GOPHER"}]}`, "backends[0].protocol", 4, "value must be one of"},
		{"duplicate top-level key", "{\"schemaVersion\":\"apigw-preflight/v1\",\n\"regionId\":\"a\",\n\"regionId\":\"b\"}", "(top level)", 3, `duplicate key "regionId"`},
		{"duplicate key deep in an array", `{"schemaVersion":"apigw-preflight/v1","backends":[
 {"protocol":"HTTP"},
 {"protocol":"HTTP",
  "allowlist":["10.0.0.0/8"], "allowlist":null}]}`, "backends[1]", 4, `duplicate key "allowlist"`},
		{"duplicate key written with an escape", `{"group":{"GroupId":"g","Group\u0049d":"h"}}`, "group", 1, `duplicate key "GroupId"`},
		{"number overflows", "{\"schemaVersion\":\"apigw-preflight/v1\",\n\"destination\":{\"InstanceId\":\"d\",\n  \"InstanceRpsLimit\": 1e400}}", "destination.InstanceRpsLimit", 3, "number 1e400 is out of range"},
		{"negative overflow in an array", "{\"a\":[1,\n-2e999]}", "a[1]", 2, "number -2e999 is out of range"},
		{"UTF-16 byte order mark", "\xff\xfe{\x00}\x00", "", 1, "UTF-16 byte order mark"},
		{"byte order mark then nothing", "\xef\xbb\xbf\n", "", 0, "file is empty"},
		{"byte order mark keeps lines", "\xef\xbb\xbf{\n\"a\": tru\n}", "", 2, "not valid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("in.json", []byte(c.src))
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *InputError", err)
			}
			if ie.File != "in.json" || ie.Path != c.path || ie.Line != c.line || !strings.Contains(ie.Msg, c.msg) {
				t.Errorf("got %+v (%q); want path %q line %d msg containing %q", ie, err, c.path, c.line, c.msg)
			}
		})
	}
}

// A UTF-8 byte order mark is skipped; lines are still those of the file and
// Raw keeps the file's bytes (its SHA-256 is what audits record).
func TestByteOrderMarkAccepted(t *testing.T) {
	raw, err := os.ReadFile("../testdata/snapshots/healthy.json")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Parse("plain.json", raw)
	if err != nil {
		t.Fatal(err)
	}
	withBOM := append([]byte("\xef\xbb\xbf"), raw...)
	d, err := Parse("bom.json", withBOM)
	if err != nil {
		t.Fatalf("a UTF-8 byte order mark must be accepted: %v", err)
	}
	if string(d.Raw) != string(withBOM) {
		t.Error("Raw must keep the file's bytes, mark included")
	}
	if d.GroupID != plain.GroupID || d.DestID != plain.DestID || !d.CollectedAt.Equal(plain.CollectedAt) {
		t.Errorf("summary differs: %+v vs %+v", d, plain)
	}
	if len(plain.Lines.recorded()) < 10 {
		t.Fatalf("line index has %d paths", len(plain.Lines.recorded()))
	}
	for k, want := range plain.Lines.recorded() {
		if got := d.Lines.recorded()[k]; got != want {
			t.Errorf("line of %q = %d with the mark, %d without", k, got, want)
		}
	}
}

// Numbers at the edges of float64 that are finite stay accepted, verbatim.
func TestFiniteNumbersAtTheEdges(t *testing.T) {
	for _, n := range []string{"1e308", "-1.7976931348623157e308", "5e-324", "1e-400", "123456789012345678901234567890"} {
		src := `{"schemaVersion":"apigw-preflight/v1","collectedAt":"2026-11-20T08:00:00Z","regionId":"r",
"group":{"GroupId":"g","InstanceId":"i"},"source":{"InstanceId":"i"},"destination":{"InstanceId":"d","InstanceRpsLimit":` + n + `}}`
		d, err := Parse("edge.json", []byte(src))
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if got := d.Value["destination"].(map[string]any)["InstanceRpsLimit"]; fmt.Sprint(got) != n {
			t.Errorf("%s read as %v", n, got)
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	s := &Snapshot{
		SchemaVersion: SchemaVersion, CollectedAt: "2026-11-20T08:00:00Z", RegionID: "cn-hangzhou",
		Group:       map[string]any{"GroupId": "g", "InstanceId": "s", "TrafficLimit": "500"},
		Source:      map[string]any{"InstanceId": "s"},
		Destination: map[string]any{"InstanceId": "d", "SupportIpv6": "true"},
		Backends:    []Backend{{Protocol: "HTTP", Host: "1.2.3.4", IPs: []string{"1.2.3.4"}}},
	}
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse("s.json", b)
	if err != nil {
		t.Fatal(err)
	}
	be := d.Value["backends"].([]any)[0].(map[string]any)
	if v, present := be["allowlist"]; !present || v != nil {
		t.Errorf("unknown allowlist must be written as null, got %#v (present %v)", v, present)
	}
}

// An empty backend list is "collected, none", not "not collected".
func TestEmptyBackendsAreKept(t *testing.T) {
	s := &Snapshot{SchemaVersion: SchemaVersion, Backends: []Backend{}}
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"backends": []`) {
		t.Errorf("empty backends dropped:\n%s", b)
	}
	s.Backends = nil
	b, _ = s.Marshal()
	if strings.Contains(string(b), `"backends"`) {
		t.Errorf("nil backends written:\n%s", b)
	}
}

// TestPlainJSONNeverHidesWhatTheWalkRefuses: the byte scan that lets a
// document skip the checking token pass says a document is plain only when
// that pass accepts it, on documents with duplicate keys in every spelling
// and out-of-range numbers, and it says plain for the shared samples.
func TestPlainJSONNeverHidesWhatTheWalkRefuses(t *testing.T) {
	bad := []string{
		`{"a": 1, "a": 2}`,
		`{"x": [{"a": 1}, {"b": 1, "b": 2}]}`,
		`{"a": 1, "\u0061": 2}`,
		"{\"\xff\": 1, \"\xfe\": 2}",
		`{"n": 1e400}`,
		`{"n": -` + strings.Repeat("9", 400) + `}`,
		`{"o": {"a": {"a": 1, "a": 1}}}`,
	}
	for _, doc := range bad {
		if err := newLineIndex([]byte(doc)).build("t.json", []byte(doc), false); err == nil {
			t.Fatalf("the walk accepts %q", doc)
		}
		if plainJSON([]byte(doc)) {
			t.Errorf("plainJSON(%q) = true; the walk refuses it", doc)
		}
	}
	good := []string{`{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}], "c": "x,\"y\":{", "d": -1.5, "e": [true, false, null]}`}
	files, _ := filepath.Glob("../testdata/snapshots/*.json")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		good = append(good, string(raw))
	}
	for _, doc := range good {
		if !plainJSON([]byte(doc)) {
			t.Errorf("plainJSON = false on %.60q", doc)
		}
		if err := newLineIndex([]byte(doc)).build("t.json", []byte(doc), false); err != nil {
			t.Errorf("the walk refuses %.60q: %v", doc, err)
		}
	}
}

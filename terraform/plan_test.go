package terraform

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

func load(t *testing.T, name string) *Plan {
	t.Helper()
	p, err := LoadFile(filepath.Join("..", "testdata", "terraform", name), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseGroups(t *testing.T) {
	p := load(t, "replace-instance.json")
	want := []GroupChange{
		{Address: "alicloud_api_gateway_group.orders", Index: 0, Actions: []string{"delete", "create"},
			GroupID: "523e8dc7bbe04613b5b1d726c2a7889d", Name: "orders", From: "api-shared-vpc-001", To: "apigateway-hz-3f9a1c7e2b84"},
		{Address: "alicloud_api_gateway_group.payments", Index: 1, Actions: []string{"update"},
			GroupID: "9f4b2a61c0d84e7fa35b6c19e2d07f48", Name: "payments", From: "api-shared-vpc-001", To: "api-shared-vpc-001"},
	}
	if !reflect.DeepEqual(p.Groups, want) {
		t.Errorf("groups\n got %+v\nwant %+v", p.Groups, want)
	}
	if g, ok := p.Group("alicloud_api_gateway_group.orders"); !ok || g.To != "apigateway-hz-3f9a1c7e2b84" {
		t.Errorf("Group(orders) = %+v, %v", g, ok)
	}
	if line := p.Lines.Line([]string{"resource_changes", "0", "change", "after", "instance_id"}); line != 62 {
		t.Errorf("line of the planned instance_id: %d, want 62", line)
	}
	if other := load(t, "other-resources.json"); len(other.Groups) != 0 {
		t.Errorf("other-resources.json: groups %+v", other.Groups)
	}
}

func TestLooksLikePlan(t *testing.T) {
	snap, err := os.ReadFile(filepath.Join("..", "testdata", "snapshots", "healthy.json"))
	if err != nil {
		t.Fatal(err)
	}
	plan := load(t, "in-place.json").Raw
	for name, tc := range map[string]struct {
		raw  string
		want bool
	}{
		"plan":         {string(plan), true},
		"planned only": {`{"format_version":"1.2","planned_values":{}}`, true},
		"bom":          {"\xef\xbb\xbf" + `{"format_version":"1.2","resource_changes":[]}`, true},
		"snapshot":     {string(snap), false},
		"state":        {`{"format_version":"1.0","values":{}}`, false},
		"no version":   {`{"resource_changes":[]}`, false},
		"not json":     {`format_version resource_changes`, false},
		"array":        {`[{"format_version":"1.2"}]`, false},
	} {
		if got := LooksLikePlan([]byte(tc.raw)); got != tc.want {
			t.Errorf("%s: LooksLikePlan = %v, want %v", name, got, tc.want)
		}
	}
}

// Bad plans are input errors naming the file, the line and the field.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, raw, want string }{
		{"empty", "  \n", "p.json: file is empty, not a Terraform plan"},
		{"syntax", `{"format_version": "1.2",`, "p.json: not valid JSON"},
		{"trailing", `{"format_version":"1.2","planned_values":{}} {}`, "unexpected data after the plan object"},
		{"array", `[]`, "p.json:1: not a Terraform plan: the top level is not an object"},
		{"no version", `{"resource_changes": []}`, "p.json:1: format_version: not a Terraform plan: no format_version string"},
		{"version number", `{"format_version": 1.2, "resource_changes": []}`, "no format_version string"},
		{"neither", `{"format_version": "1.2"}`, "p.json:1: not a Terraform plan: neither resource_changes nor planned_values"},
		{"changes object", "{\"format_version\": \"1.2\",\n \"resource_changes\": {}}", "p.json:2: resource_changes: want an array"},
		{"change not object", "{\"format_version\": \"1.2\", \"resource_changes\": [\n 1]}", "p.json:2: resource_changes[0]: want an object"},
		{"no address", `{"format_version": "1.2", "resource_changes": [{"type": "x", "change": {"actions": []}}]}`, "resource_changes[0]: want the strings address and type"},
		{"no change", `{"format_version": "1.2", "resource_changes": [{"address": "a.b", "type": "a"}]}`, "resource_changes[0].change: want an object"},
		{"bad actions", `{"format_version": "1.2", "resource_changes": [{"address": "a.b", "type": "a", "change": {"actions": [1]}}]}`, "resource_changes[0].change.actions: want an array of strings"},
		{"duplicate key", "{\"format_version\": \"1.2\",\n\"format_version\": \"1.2\", \"planned_values\": {}}", "p.json:2: (top level): duplicate key \"format_version\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.json", []byte(tc.raw))
			var ie *snapshot.InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse: %v, want an input error containing %q", err, tc.want)
			}
		})
	}
	if _, err := LoadFile("/nonexistent/plan.json", nil); err == nil || !strings.Contains(err.Error(), "cannot read Terraform plan: no such file or directory") {
		t.Errorf("missing file: %v", err)
	}
}

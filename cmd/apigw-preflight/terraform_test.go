package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/emulator"
)

// planReport is the part of the json report the plan tests read.
type planReport struct {
	Migrations []struct {
		Input       string   `json:"input"`
		Kind        string   `json:"kind"`
		GroupID     string   `json:"groupId"`
		Destination string   `json:"destinationInstanceId"`
		Evaluated   []string `json:"rulesEvaluated"`
		Passed      bool     `json:"passed"`
		Findings    []struct {
			RuleID   string `json:"ruleId"`
			Severity string `json:"severity"`
			Line     int    `json:"line"`
			Path     []string
			Resource struct {
				Kind string `json:"kind"`
				ID   string `json:"id"`
			} `json:"resource"`
		} `json:"findings"`
	} `json:"migrations"`
	Rules []struct {
		ID string `json:"id"`
	} `json:"rules"`
}

func readPlanReport(t *testing.T, path string) planReport {
	t.Helper()
	var r planReport
	if err := json.Unmarshal(readFile(t, path), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

const (
	planOrders = "523e8dc7bbe04613b5b1d726c2a7889d"
	planDest   = "apigateway-hz-3f9a1c7e2b84"
)

// check on a Terraform plan: MIG016 fails the gate for the group replaced
// because instance_id changes, and nothing else does.
func TestCheckTerraformPlan(t *testing.T) {
	dir := repoWithSnapshots(t, "testdata/snapshots/healthy.json")
	if err := os.Mkdir(filepath.Join(dir, "terraform"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"replace-instance.json", "in-place.json", "other-resources.json"} {
		write(t, dir, "terraform/"+f, string(readFile(t, repoFile(t, "testdata/terraform/"+f))))
	}
	r := runCLI(t, dir, nil, "check", "--now", testNow, "-f", "json=r.json", "-f", "sarif=r.sarif", "-f", "text",
		"terraform/replace-instance.json", "infra/snapshots/healthy.json")
	if r.code != exitGateFailed || !strings.Contains(r.stdout, "FAIL  terraform plan") || !strings.Contains(r.stdout, "MIG016 terraform-replace The plan replaces alicloud_api_gateway_group.orders") {
		t.Fatalf("exit %d, want 3 with MIG016\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	rep := readPlanReport(t, filepath.Join(dir, "r.json"))
	if len(rep.Migrations) != 2 {
		t.Fatalf("%d migrations, want the snapshot and the plan", len(rep.Migrations))
	}
	plan := rep.Migrations[1]
	if plan.Kind != "terraform-plan" || plan.Input != "terraform/replace-instance.json" || !slices.Equal(plan.Evaluated, []string{"MIG016"}) ||
		len(plan.Findings) != 1 || plan.Findings[0].RuleID != "MIG016" || plan.Findings[0].Line != 62 ||
		plan.Findings[0].Resource.ID != "alicloud_api_gateway_group.orders" {
		t.Errorf("plan migration %+v", plan)
	}
	if snap := rep.Migrations[0]; snap.Kind != "" || slices.Contains(snap.Evaluated, "MIG016") || !snap.Passed {
		t.Errorf("snapshot migration %+v", snap)
	}
	if !slices.ContainsFunc(rep.Rules, func(r struct {
		ID string `json:"id"`
	}) bool {
		return r.ID == "MIG016"
	}) {
		t.Error("the report does not describe MIG016")
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
						Region           struct{ StartLine int }
					} `json:"physicalLocation"`
					LogicalLocations []struct {
						FullyQualifiedName string `json:"fullyQualifiedName"`
					} `json:"logicalLocations"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "r.sarif")), &log); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, res := range log.Runs[0].Results {
		if res.RuleID != "MIG016" {
			continue
		}
		found = true
		loc := res.Locations[0]
		if loc.PhysicalLocation.ArtifactLocation.URI != "terraform/replace-instance.json" || loc.PhysicalLocation.Region.StartLine != 62 ||
			len(loc.LogicalLocations) != 1 || loc.LogicalLocations[0].FullyQualifiedName != "alicloud_api_gateway_group.orders" {
			t.Errorf("MIG016 location %+v", loc)
		}
	}
	if !found {
		t.Error("no MIG016 result in the SARIF")
	}

	// In-place changes and other resources: quiet, exit 0; stdin works
	// too (detected by content).
	for _, f := range []string{"in-place.json", "other-resources.json"} {
		r := runCLIStdin(t, dir, string(readFile(t, filepath.Join(dir, "terraform", f))), "check", "-f", "json=q.json", "-")
		if rep := readPlanReport(t, filepath.Join(dir, "q.json")); r.code != exitPass || len(rep.Migrations) != 1 || len(rep.Migrations[0].Findings) != 0 {
			t.Errorf("%s: exit %d, report %+v, stderr %s", f, r.code, rep, r.stderr)
		}
	}
}

// Bad plans are bad input (exit 2), nothing is written; the cloud flags
// need --collect, and --collect needs a plan.
func TestCheckTerraformPlanErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "list.json", `{"format_version": "1.2", "resource_changes": {}}`)
	write(t, dir, "cut.json", `{"format_version": "1.2", "resource_changes": [`)
	healthy := repoFile(t, "testdata/snapshots/healthy.json")
	plan := repoFile(t, "testdata/terraform/replace-instance.json")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"list.json"}, "invalid Terraform plan: list.json:1: resource_changes: want an array"},
		{[]string{"--terraform-plan", "cut.json"}, "invalid Terraform plan: cut.json: not valid JSON"},
		{[]string{"--terraform-plan", healthy}, "not a Terraform plan: no format_version string; give the JSON that terraform show -json PLANFILE writes"},
		{[]string{"--terraform-plan", "missing.json"}, "invalid Terraform plan: missing.json: cannot read Terraform plan: no such file or directory"},
		{[]string{"list.json", "--terraform-plan", "cut.json"}, "2 invalid inputs:"},
		{[]string{"--endpoint", "http://127.0.0.1:1", plan}, "check: --endpoint only applies with --collect"},
		{[]string{"--collect", healthy}, "check --collect: no Terraform plan given"},
	} {
		r := runCLI(t, dir, nil, append([]string{"check", "-f", "json=r.json"}, tc.args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"cut.json", "list.json"}) {
		t.Errorf("dir holds %v", got)
	}
}

// check --collect runs the full preflight of every group the plan
// replaces, against its planned instance, through the SDK against the
// emulator; the findings point at the plan.
func TestCheckTerraformPlanCollect(t *testing.T) {
	w, err := emulator.LoadWorld(repoFile(t, "testdata/worlds/demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	srv := emulator.New(w)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	dir := t.TempDir()
	write(t, dir, "plan.json", string(readFile(t, repoFile(t, "testdata/terraform/replace-instance.json"))))
	keys := []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tDemoPreflight0001", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=demo-secret-not-for-production", "ALIBABA_CLOUD_REGION_ID=cn-hangzhou"}
	r := runCLI(t, dir, keys, "check", "--collect", "--endpoint", hs.URL, "--quiet", "--config", repoFile(t, "testdata/worlds/demo-config.yaml"),
		"-f", "json=r.json", "-f", "junit=r.xml", "plan.json")
	if r.code != exitGateFailed {
		t.Fatalf("exit %d, want 3 (MIG016)\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	rep := readPlanReport(t, filepath.Join(dir, "r.json"))
	if len(rep.Migrations) != 2 {
		t.Fatalf("%d migrations, want the plan and the preflight of orders: %+v", len(rep.Migrations), rep.Migrations)
	}
	pre := rep.Migrations[1]
	if pre.Kind != "" || pre.GroupID != planOrders || pre.Destination != planDest || pre.Input != "plan.json" || len(pre.Evaluated) < 15 || !pre.Passed {
		t.Errorf("collected preflight %+v", pre)
	}
	for _, f := range pre.Findings {
		if f.Line != 42 || len(f.Path) != 0 {
			t.Errorf("collected finding %s points at line %d path %v, want the plan's resource change (line 42)", f.RuleID, f.Line, f.Path)
		}
	}
	if n := srv.Calls("DescribeApiGroup"); n != 1 {
		t.Errorf("DescribeApiGroup calls %d, want 1 (orders only: payments changes in place)", n)
	}
	if n := srv.Calls("ModifyApiGroupInstance"); n != 0 {
		t.Errorf("check wrote to the cloud: %d ModifyApiGroupInstance calls", n)
	}
	if xml := string(readFile(t, filepath.Join(dir, "r.xml"))); !strings.Contains(xml, `<testsuite name="`+planOrders+` -&gt; `+planDest+`"`) {
		t.Errorf("junit lacks the collected suite:\n%s", xml)
	}
}

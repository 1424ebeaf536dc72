package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/emulator"
	"github.com/apigw-preflight/apigw-preflight/internal/testenv"
	"github.com/apigw-preflight/apigw-preflight/report"
)

// The audit tests run the command in this process against the demo world
// (twelve groups, one serverless source, two dedicated destinations, one
// of them VPC integration with two ENI security groups), so that the
// emulator's call counters can be read.

const (
	demoSmall = "apigateway-hz-3f9a1c7e2b84" // api.s1.small
	demoVPC   = "apigateway-hz-8d2e6b1f0c57" // vpc_connect, two ENI security groups
	pinnedNow = "2026-01-01T00:00:00Z"       // before every collection: AGP001 stays quiet
)

type demoCloud struct {
	srv    *emulator.Server
	url    string
	groups []string
}

// startDemo serves the demo world with the demo credentials in the
// environment and the collection clock pinned, so that collections made
// seconds apart read the same QPS window.
func startDemo(t *testing.T) *demoCloud {
	t.Helper()
	testenv.ClearCloudEnv(t)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tDemoPreflight0001")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "demo-secret-not-for-production")
	w, err := emulator.LoadWorld(repoFile(t, "testdata/worlds/demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	srv := emulator.New(w, emulator.WithSeed(1))
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	at := time.Now().UTC().Truncate(time.Second)
	old := clock
	clock = func() time.Time { return at }
	t.Cleanup(func() { clock = old })
	d := &demoCloud{srv: srv, url: hs.URL}
	for _, g := range w.Groups {
		d.groups = append(d.groups, g["GroupId"].(string))
	}
	return d
}

// inProcess runs one command line in this process.
func inProcess(t *testing.T, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: os.Getenv}
	code := run(context.Background(), e, args)
	return cliResult{code, out.String(), errb.String()}
}

// demoPlan writes a plan of the groups, each onto dests.
func demoPlan(t *testing.T, dir string, groups []string, dests ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("region: cn-hangzhou\nmigrations:\n")
	for _, g := range groups {
		fmt.Fprintf(&b, "  - group: %s\n    to: [%s]\n", g, strings.Join(dests, ", "))
	}
	return write(t, dir, "plan.yaml", b.String())
}

type jsonRun struct {
	ExitCode   int `json:"exitCode"`
	Migrations []struct {
		report.Migration
		Candidate bool `json:"candidate"`
	} `json:"migrations"`
	Placements []report.Placement `json:"placements"`
}

func readReport(t *testing.T, path string) jsonRun {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r jsonRun
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// Done when: an audit of many groups gives, for every pair, the same
// findings as run for that pair, and reads each instance, security group
// and group once.
func TestAuditMatchesRunAndReadsOnce(t *testing.T) {
	d := startDemo(t)
	dir := t.TempDir()
	plan := demoPlan(t, dir, d.groups, demoSmall, demoVPC)
	auditJSON := filepath.Join(dir, "audit.json")
	res := inProcess(t, "audit", "--plan", plan, "--endpoint", d.url, "--region", "cn-hangzhou", "--now", pinnedNow,
		"-f", "json="+auditJSON, "--quiet")
	if res.code != exitGateFailed || res.stderr != "" {
		t.Fatalf("audit: exit %d, stderr %q; want 3 (payments fails) and nothing on stderr", res.code, res.stderr)
	}
	n := len(d.groups)
	if n != 14 {
		t.Fatalf("the demo world has %d groups, want 14", n)
	}
	// Each distinct read once per audit, not once per pair.
	for action, want := range map[string]int{
		"DescribeApiGroup":               n, // once per group for its two destinations
		"DescribeApis":                   n,
		"DescribeGroupQps":               n + 1, // per stage: payments has a TEST stage too
		"DescribeInstances":              4,     // the two sources (serverless, and catalog's dedicated one) and the two destinations
		"DescribeInstanceQps":            6,     // the destinations' load, each of RELEASE, PRE and TEST
		"DescribeSecurityGroups":         1,
		"DescribeSecurityGroupAttribute": 2, // the VPC destination's two ENI security groups
		"DescribeApiGroups":              0, // groups given by ID
	} {
		if got := d.srv.Calls(action); got != want {
			t.Errorf("%s: %d calls, want %d", action, got, want)
		}
	}
	audit := readReport(t, auditJSON)
	if len(audit.Migrations) != 2*n+1 {
		t.Fatalf("audit has %d migrations, want %d pairs and the fleet record", len(audit.Migrations), 2*n)
	}
	if fm := audit.Migrations[2*n]; fm.Kind != report.KindFleet || fm.Input != plan {
		t.Errorf("last migration %+v, want the fleet record of %s", fm.Migration, plan)
	}
	for i, g := range d.groups {
		for j, dest := range []string{demoSmall, demoVPC} {
			m := audit.Migrations[2*i+j]
			if m.GroupID != g || m.Destination != dest || m.Candidate != (j == 1) {
				t.Fatalf("migration %d is %s -> %s (candidate %v), want %s -> %s (candidate %v)", 2*i+j, m.GroupID, m.Destination, m.Candidate, g, dest, j == 1)
			}
			runJSON := filepath.Join(dir, fmt.Sprintf("run-%d-%d.json", i, j))
			rr := inProcess(t, "run", "--group", g, "--to", dest, "--endpoint", d.url, "--region", "cn-hangzhou", "--now", pinnedNow,
				"-f", "json="+runJSON, "--quiet")
			if rr.code != exitPass && rr.code != exitGateFailed {
				t.Fatalf("run %s -> %s: exit %d: %s", g, dest, rr.code, rr.stderr)
			}
			one := readReport(t, runJSON).Migrations[0]
			if !reflect.DeepEqual(m.Findings, one.Findings) {
				t.Errorf("%s -> %s: the audit's findings differ from run's\naudit %+v\n  run %+v", g, dest, m.Findings, one.Findings)
			}
			if !reflect.DeepEqual(m.Errors, one.Errors) || len(m.Findings) == 0 {
				t.Errorf("%s -> %s: errors %+v vs %+v, %d findings", g, dest, m.Errors, one.Errors, len(m.Findings))
			}
			if m.Capacity == nil || m.Capacity.LimitRPS == 0 || m.Capacity.PeakRPS == 0 {
				t.Errorf("%s -> %s: capacity %+v, want the peak and the limit", g, dest, m.Capacity)
			}
		}
	}
	if len(audit.Placements) != n {
		t.Errorf("%d placements, want one per group", len(audit.Placements))
	}
}

// Done when: throttling slows the audit without failing it; the limiter
// backs off for every worker and the report is the unthrottled one.
func TestAuditThrottled(t *testing.T) {
	d := startDemo(t)
	dir := t.TempDir()
	plan := demoPlan(t, dir, d.groups[:4], demoSmall, demoVPC)
	calm := filepath.Join(dir, "calm.json")
	args := []string{"audit", "--plan", plan, "--endpoint", d.url, "--region", "cn-hangzhou", "--now", pinnedNow, "--max-rps", "200"}
	if res := inProcess(t, append(args, "-f", "json="+calm, "--quiet")...); res.code != exitGateFailed && res.code != exitPass {
		t.Fatalf("calm audit: exit %d: %s", res.code, res.stderr)
	}
	d.srv.AddFault(emulator.Fault{Action: "*", Code: "Throttling", Count: 8})
	throttled := filepath.Join(dir, "throttled.json")
	res := inProcess(t, append(args, "-f", "json="+throttled)...)
	want := readReport(t, calm)
	if res.code != want.ExitCode {
		t.Fatalf("throttled audit: exit %d, want %d as without throttling; stderr:\n%s", res.code, want.ExitCode, res.stderr)
	}
	if !strings.Contains(res.stderr, "8 pairs of 4 groups: 8 collected, 0 from kept snapshots, 0 could not be read;") ||
		!strings.Contains(res.stderr, ", 8 throttled\n") {
		t.Errorf("summary line: %q", res.stderr)
	}
	got := readReport(t, throttled)
	for i := range want.Migrations {
		if !reflect.DeepEqual(got.Migrations[i].Findings, want.Migrations[i].Findings) {
			t.Errorf("migration %d: findings differ under throttling\n got %+v\nwant %+v", i, got.Migrations[i].Findings, want.Migrations[i].Findings)
		}
	}
}

// A group whose reads fail is reported as an error record and the audit
// goes on; a candidate that cannot be read does not fail the gate.
func TestAuditGroupThatCannotBeRead(t *testing.T) {
	d := startDemo(t)
	dir := t.TempDir()
	plan := write(t, dir, "plan.yaml", fmt.Sprintf(`region: cn-hangzhou
migrations:
  - group: %s
    to: [%s]
  - group: 0123456789abcdef0123456789abcdef
    to: [%s]
  - group: no-such-name
    to: [%s, %s]
`, d.groups[0], demoSmall, demoSmall, demoVPC, demoSmall))
	out := filepath.Join(dir, "audit.json")
	res := inProcess(t, "audit", "--plan", plan, "--endpoint", d.url, "--region", "cn-hangzhou", "--now", pinnedNow, "-f", "json="+out, "--quiet")
	if res.code != exitToolError || !strings.Contains(res.stderr, "rule evaluation(s) failed") {
		t.Fatalf("exit %d, stderr %q; want 1 (planned pairs could not be collected) after the report", res.code, res.stderr)
	}
	r := readReport(t, out)
	if len(r.Migrations) != 5 {
		t.Fatalf("%d migrations, want 4 pairs and the fleet record", len(r.Migrations))
	}
	if len(r.Migrations[0].Errors) != 0 || len(r.Migrations[0].Findings) == 0 {
		t.Errorf("the readable group: %+v", r.Migrations[0].Migration)
	}
	for i, want := range []string{
		"group 0123456789abcdef0123456789abcdef for " + demoSmall + " could not be collected, so no rule was evaluated: DescribeApiGroup: NotFoundApiGroup",
		"group no-such-name for " + demoVPC + ` could not be collected, so no rule was evaluated: no group is named "no-such-name" in the region; give its ID`,
		"group no-such-name for " + demoSmall + ` could not be collected, so no rule was evaluated: no group is named "no-such-name" in the region; give its ID`,
	} {
		m := r.Migrations[i+1]
		if len(m.Errors) != 1 || m.Errors[0].RuleID != "collection" || !strings.HasPrefix(m.Errors[0].Message, want) {
			t.Errorf("pair %d: errors %+v, want %q", i+1, m.Errors, want)
		}
	}
	if !r.Migrations[3].Candidate {
		t.Error("the second destination of no-such-name is not a candidate")
	}
	if d.srv.Calls("DescribeApiGroups") != 1 {
		t.Errorf("DescribeApiGroups: %d calls, want 1 (the name looked up once)", d.srv.Calls("DescribeApiGroups"))
	}
}

// --snapshots keeps one snapshot per pair and the plan; a second audit
// reuses them without reading the cloud; shards split the plan and
// --from builds the whole report from the union.
func TestAuditSnapshotsShardsFrom(t *testing.T) {
	d := startDemo(t)
	dir := t.TempDir()
	plan := demoPlan(t, dir, d.groups[:6], demoSmall, demoVPC)
	snaps := filepath.Join(dir, "snaps")
	whole := filepath.Join(dir, "whole.json")
	common := []string{"--plan", plan, "--endpoint", d.url, "--region", "cn-hangzhou", "--now", pinnedNow, "--quiet"}
	if res := inProcess(t, append([]string{"audit", "-f", "json=" + whole}, common...)...); res.code != exitPass && res.code != exitGateFailed {
		t.Fatalf("whole audit: exit %d: %s", res.code, res.stderr)
	}
	for k := 1; k <= 3; k++ {
		res := inProcess(t, append([]string{"audit", "--snapshots", snaps, "--shard", fmt.Sprintf("%d/3", k), "-f", "json=" + filepath.Join(dir, fmt.Sprintf("shard%d.json", k))}, common...)...)
		if res.code != exitPass && res.code != exitGateFailed {
			t.Fatalf("shard %d: exit %d: %s", k, res.code, res.stderr)
		}
	}
	files, _ := filepath.Glob(filepath.Join(snaps, "*.json"))
	if len(files) != 12+1 {
		t.Fatalf("%d files in the snapshots directory, want 12 snapshots and the plan: %v", len(files), files)
	}
	pairs := 0
	for k := 1; k <= 3; k++ {
		pairs += len(readReport(t, filepath.Join(dir, fmt.Sprintf("shard%d.json", k))).Migrations) - 1
	}
	if pairs != 12 {
		t.Errorf("the shards audited %d pairs together, want each of the 12 once", pairs)
	}
	// Resume: every pair is kept, so nothing is read.
	before := d.srv.Calls("DescribeApiGroup")
	res := inProcess(t, "audit", "--snapshots", snaps, "--plan", plan, "--endpoint", d.url, "--region", "cn-hangzhou", "--now", pinnedNow, "-f", "json="+filepath.Join(dir, "again.json"))
	if d.srv.Calls("DescribeApiGroup") != before || !strings.Contains(res.stderr, "12 pairs of 6 groups: 0 collected, 12 from kept snapshots") {
		t.Errorf("resumed audit read the cloud: %d DescribeApiGroup calls more; stderr %q", d.srv.Calls("DescribeApiGroup")-before, res.stderr)
	}
	from := filepath.Join(dir, "from.json")
	res = inProcess(t, "audit", "--from", snaps, "--now", pinnedNow, "-f", "json="+from, "--quiet")
	want := readReport(t, whole)
	got := readReport(t, from)
	if res.code != want.ExitCode || len(got.Migrations) != len(want.Migrations) {
		t.Fatalf("--from: exit %d (want %d), %d migrations (want %d): %s", res.code, want.ExitCode, len(got.Migrations), len(want.Migrations), res.stderr)
	}
	for i := range want.Migrations {
		// The same pairs in plan order with the same findings, except
		// the fleet record's input (the directory's copy of the plan).
		if !reflect.DeepEqual(got.Migrations[i].Findings, want.Migrations[i].Findings) {
			t.Errorf("--from migration %d: findings differ from the whole audit's", i)
		}
	}
	if !reflect.DeepEqual(got.Placements, want.Placements) {
		t.Errorf("--from placements differ:\n got %+v\nwant %+v", got.Placements, want.Placements)
	}
}

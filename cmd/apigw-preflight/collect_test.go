package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/collector"
	"github.com/apigw-preflight/apigw-preflight/collector/emulator"
)

// cliWorld: "orders" moves cleanly from the serverless instance to a
// conventional dedicated one; "locked" is a group the gate must stop.
const cliWorld = `
regionId: cn-hangzhou
credentials:
  - {accessKeyId: testid, accessKeySecret: testsecret}
instances:
  - {InstanceId: api-shared-vpc-001, InstanceType: VPC_SHARED, RegionId: cn-hangzhou, Status: RUNNING,
     InstanceRpsLimit: 2500, HttpsPolicies: HTTPS2_TLS1_0, InternetEgressAddress: 47.96.1.1, SupportIpv6: false,
     EgressIpv6Enable: false, VpcIntranetEnable: false, VpcSlbIntranetEnable: false}
  - {InstanceId: apigateway-hz-ab12cd34ef56, InstanceType: VPC_DEDICATED, DedicatedInstanceType: normal,
     RegionId: cn-hangzhou, Status: RUNNING, InstanceSpec: api.s1.small, InstanceRpsLimit: "2500",
     HttpsPolicies: HTTPS2_TLS1_0, InternetEgressAddress: 47.96.7.7, VpcEgressAddress: 100.104.254.0/26,
     SupportIpv6: "false", EgressIpv6Enable: false, VpcIntranetEnable: false, VpcSlbIntranetEnable: false,
     InstanceChargeType: PostPay, ExpiredTime: ""}
groups:
  - {GroupId: g-orders, GroupName: orders, RegionId: cn-hangzhou, InstanceId: api-shared-vpc-001,
     InstanceType: VPC_SHARED, Status: NORMAL, IllegalStatus: NORMAL, TrafficLimit: 500,
     HttpsPolicy: HTTPS2_TLS1_0, VpcDomain: "", VpcSlbIntranetDomain: "", Ipv6Status: UNBIND,
     MigrationStatus: "", CustomDomains: {DomainItem: []}}
  - {GroupId: g-locked, GroupName: locked, RegionId: cn-hangzhou, InstanceId: api-shared-vpc-001,
     InstanceType: VPC_SHARED, Status: NORMAL, IllegalStatus: LOCKED, TrafficLimit: 500,
     HttpsPolicy: HTTPS2_TLS1_0, VpcDomain: "", VpcSlbIntranetDomain: "", Ipv6Status: UNBIND,
     MigrationStatus: "", CustomDomains: {DomainItem: []}}
apis:
  - GroupId: g-orders
    ApiId: api-1
    ApiName: GetOrder
    deployed:
      RELEASE: {ServiceConfig: {ServiceProtocol: HTTP, ServiceAddress: "http://47.97.3.3:80"}}
groupQps:
  g-orders: [{ItemTime: now-1h, ItemValue: "300"}]
instanceQps:
  apigateway-hz-ab12cd34ef56: [{ItemTime: now-1h, ItemValue: 100}]
`

const cliConfigFile = `
allowlists:
  - match: 47.97.3.3
    allow: [47.96.0.0/16]
failOn: error
`

type cliEmulator struct {
	srv *emulator.Server
	url string
	log bytes.Buffer
}

func startCLIEmulator(t *testing.T) *cliEmulator {
	t.Helper()
	w, err := emulator.ParseWorld([]byte(cliWorld), "cliWorld")
	if err != nil {
		t.Fatal(err)
	}
	ce := &cliEmulator{}
	ce.srv = emulator.New(w, emulator.WithLog(&ce.log))
	hs := httptest.NewServer(ce.srv)
	t.Cleanup(hs.Close)
	ce.url = hs.URL
	return ce
}

// runCLIEnv runs the binary in dir with no ALIBABA_CLOUD_* variables but
// those given, HOME at an empty directory and no ECS metadata lookups.
func runCLIEnv(t *testing.T, dir string, env []string, args ...string) cliResult {
	t.Helper()
	return execCLI(t, dir, "", env, args...)
}

var goodKeys = []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=testid", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=testsecret", "ALIBABA_CLOUD_REGION_ID=cn-hangzhou"}

func TestCollectCommand(t *testing.T) {
	em := startCLIEmulator(t)
	dir := t.TempDir()
	write(t, dir, ".apigw-preflight.yaml", cliConfigFile)

	// To a file: nothing on stdout, no progress (stderr is no terminal).
	r := runCLIEnv(t, dir, goodKeys, "collect", "--group", "g-orders", "--to", "apigateway-hz-ab12cd34ef56",
		"--endpoint", em.url, "-o", "snap.json")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("collect -o: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "snap.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := collector.Parse("snap.json", raw)
	if err != nil {
		t.Fatalf("written snapshot does not load: %v", err)
	}
	if doc.GroupID != "g-orders" || doc.DestID != "apigateway-hz-ab12cd34ef56" || doc.SourceID != "api-shared-vpc-001" {
		t.Errorf("snapshot = %s %s %s", doc.GroupID, doc.SourceID, doc.DestID)
	}
	var snap collector.Snapshot
	if err := json.Unmarshal(raw, &snap); err != nil {
		t.Fatal(err)
	}
	if len(snap.Backends) != 1 || strings.Join(snap.Backends[0].Allowlist, ",") != "47.96.0.0/16" {
		t.Errorf("backends = %+v (allowlist from ./.apigw-preflight.yaml)", snap.Backends)
	}
	if snap.Traffic == nil || snap.Traffic.PeakRPS != 300 || snap.Collector.Name != "apigw-preflight" {
		t.Errorf("traffic %+v, collector %+v", snap.Traffic, snap.Collector)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".snap.json.*")); len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}

	// To stdout.
	r = runCLIEnv(t, dir, goodKeys, "collect", "--group", "g-orders", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", em.url)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "{\n  \"schemaVersion\": \"apigw-preflight/v1\"") {
		t.Errorf("collect to stdout: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// A failed optional read is a note on stderr; --quiet silences it.
	em.srv.AddFault(emulator.Fault{Action: "DescribeGroupQps", Code: "Forbidden.RAM", Status: 403})
	r = runCLIEnv(t, dir, goodKeys, "collect", "--group", "g-orders", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", em.url, "-o", "snap2.json")
	if r.code != 0 || !strings.Contains(r.stderr, "collectionErrors: DescribeGroupQps (Forbidden.RAM)") {
		t.Errorf("collect with Forbidden.RAM: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runCLIEnv(t, dir, goodKeys, "collect", "--quiet", "--group", "g-orders", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", em.url, "-o", "snap2.json")
	if r.code != 0 || r.stderr != "" {
		t.Errorf("collect --quiet: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestCollectCommandErrors(t *testing.T) {
	em := startCLIEmulator(t)
	dir := t.TempDir()
	write(t, dir, "bad.yaml", "allowlists:\n  - match: '*'\n    allow: [10.0.0.0/40]\n")
	base := []string{"--group", "g-orders", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", em.url}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"missing --to", goodKeys, []string{"collect", "--group", "g"}, 2, "--group and --to are required"},
		{"bad stage", goodKeys, append([]string{"collect", "--stage", "PROD"}, base...), 2, "--stage"},
		{"bad lookback", goodKeys, append([]string{"collect", "--lookback", "1w"}, base...), 2, "--lookback"},
		{"bad endpoint", goodKeys, []string{"collect", "--group", "g", "--to", "i", "--endpoint", "127.0.0.1:1"}, 2, "--endpoint"},
		{"bad config", goodKeys, append([]string{"collect", "--config", "bad.yaml"}, base...), 2, `config bad.yaml:3: allowlists[0] (match "*"): invalid CIDR or IP "10.0.0.0/40"`},
		{"missing config", goodKeys, append([]string{"collect", "--config", "nope.yaml"}, base...), 2, "nope.yaml"},
		{"no output dir", goodKeys, append([]string{"collect", "-o", "no/such/dir/s.json"}, base...), 2, "does not exist"},
		{"no region", goodKeys[:2], append([]string{"collect"}, base...), 2, "no region"},
		{"unknown group", goodKeys, []string{"collect", "--group", "nope", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", em.url}, 1, "NotFoundApiGroup"},
		{"wrong secret", []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=testid", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=Wr0ngSecret-xyz", "ALIBABA_CLOUD_REGION_ID=cn-hangzhou"},
			append([]string{"collect"}, base...), 1, "SignatureDoesNotMatch: Specified signature is not matched with our calculation. (RequestId "},
		{"no credentials", []string{"ALIBABA_CLOUD_REGION_ID=cn-hangzhou"}, append([]string{"collect"}, base...), 1, "no credentials found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLIEnv(t, dir, tc.env, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", r.code, tc.code, r.stderr, tc.want)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q", r.stdout)
			}
			if strings.Contains(r.stderr, "Wr0ngSecret-xyz") || strings.Contains(r.stderr, "testsecret") {
				t.Errorf("stderr leaks a secret: %q", r.stderr)
			}
			if tc.name == "wrong secret" && !strings.Contains(r.stderr, "credentials came from environment variables ALIBABA_CLOUD_ACCESS_KEY_ID") {
				t.Errorf("no credential source hint: %q", r.stderr)
			}
		})
	}
	if strings.Contains(em.log.String(), "Wr0ngSecret-xyz") {
		t.Error("the emulator log holds the secret")
	}
}

func TestRunCommand(t *testing.T) {
	em := startCLIEmulator(t)
	dir := t.TempDir()
	write(t, dir, ".apigw-preflight.yaml", cliConfigFile)

	r := runCLIEnv(t, dir, goodKeys, "run", "--group", "g-orders", "--to", "apigateway-hz-ab12cd34ef56",
		"--endpoint", em.url, "-f", "json", "--snapshot-out", "snap.json")
	if r.code != 0 {
		t.Fatalf("run (clean group): exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("json report: %v\n%s", err, r.stdout)
	}
	if !strings.Contains(r.stdout, `"g-orders"`) || !strings.Contains(r.stdout, "snap.json") {
		t.Errorf("report does not name the group and snapshot file:\n%s", r.stdout)
	}
	if _, err := collector.LoadFile(filepath.Join(dir, "snap.json"), nil); err != nil {
		t.Errorf("--snapshot-out: %v", err)
	}

	r = runCLIEnv(t, dir, goodKeys, "run", "--group", "g-locked", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", em.url)
	if r.code != 3 || !strings.Contains(r.stdout, "FAIL") || !strings.Contains(r.stdout, "locked") {
		t.Errorf("run (locked group): exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}

	// failOn from the configuration file applies, the flag beats it.
	write(t, dir, "never.yaml", "failOn: never\n")
	r = runCLIEnv(t, dir, goodKeys, "run", "--config", "never.yaml", "--group", "g-locked", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", em.url)
	if r.code != 0 {
		t.Errorf("run with failOn never from config: exit %d\n%s", r.code, r.stderr)
	}
	r = runCLIEnv(t, dir, goodKeys, "run", "--config", "never.yaml", "--fail-on", "error", "--group", "g-locked", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", em.url)
	if r.code != 3 {
		t.Errorf("run with --fail-on error over config: exit %d", r.code)
	}

	// Usage errors are found before any call.
	calls := em.srv.Calls("DescribeApiGroup")
	r = runCLIEnv(t, dir, goodKeys, "run", "--group", "g-orders", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", em.url, "-f", "yaml")
	if r.code != 2 || em.srv.Calls("DescribeApiGroup") != calls {
		t.Errorf("run -f yaml: exit %d, %d calls made", r.code, em.srv.Calls("DescribeApiGroup")-calls)
	}

	// An essential read that keeps failing is exit 1, with no report.
	em.srv.AddFault(emulator.Fault{Action: "DescribeInstances", Code: "InternalError", Status: 500})
	r = runCLIEnv(t, dir, goodKeys, "run", "--group", "g-orders", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", em.url)
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "DescribeInstances: InternalError") {
		t.Errorf("run with DescribeInstances down: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}

func TestCollectAndRunHelp(t *testing.T) {
	for _, cmd := range []string{"collect", "run"} {
		r := runCLIEnv(t, t.TempDir(), nil, cmd, "--help")
		for _, want := range []string{"Usage: apigw-preflight " + cmd, "--group", "--to", "--profile", "--endpoint", "--lookback", "Exit codes:"} {
			if r.code != 0 || !strings.Contains(r.stdout, want) {
				t.Errorf("%s --help: exit %d, lacks %q:\n%s", cmd, r.code, want, r.stdout)
			}
		}
	}
	r := runCLIEnv(t, t.TempDir(), nil, "run", "--help")
	if !strings.Contains(r.stdout, "--snapshot-out") || !strings.Contains(r.stdout, "--fail-on") {
		t.Errorf("run --help lacks the reporting flags:\n%s", r.stdout)
	}
}

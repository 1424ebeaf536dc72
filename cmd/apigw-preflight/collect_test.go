package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/emulator"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
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
	doc, err := snapshot.Parse("snap.json", raw)
	if err != nil {
		t.Fatalf("written snapshot does not load: %v", err)
	}
	if doc.GroupID != "g-orders" || doc.DestID != "apigateway-hz-ab12cd34ef56" || doc.SourceID != "api-shared-vpc-001" {
		t.Errorf("snapshot = %s %s %s", doc.GroupID, doc.SourceID, doc.DestID)
	}
	var snap snapshot.Snapshot
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
	if _, err := snapshot.LoadFile(filepath.Join(dir, "snap.json"), nil); err != nil {
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

func TestCollectFlagErrors(t *testing.T) {
	em := startCLIEmulator(t)
	dir := t.TempDir()
	write(t, dir, "twodocs.yaml", "failOn: note\n---\nfailOn: never\n")
	write(t, dir, "dupkey.yaml", "allowlists:\n  - match: 47.97.3.3\n    allow: [47.96.0.0/16]\n    allow: []\n")
	write(t, dir, "lookback.yaml", "lookback: 300000d\n")
	base := []string{"--group", "g-orders", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", em.url}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"lookback too short", []string{"--lookback", "1s"}, `--lookback: invalid look-back "1s": want a duration from 1h to 90d`},
		{"lookback too long", []string{"--lookback", "91d"}, `invalid look-back "91d"`},
		{"config lookback", []string{"--config", "lookback.yaml"}, `config lookback.yaml:1: lookback "300000d": want a duration from 1h to 90d`},
		{"two documents", []string{"--config", "twodocs.yaml"}, "config twodocs.yaml:3: a second YAML document"},
		{"duplicate key", []string{"--config", "dupkey.yaml"}, `config dupkey.yaml:4: key "allow" appears twice in the same mapping (first at line 3)`},
		{"max-apis", []string{"--max-apis", "0"}, "--max-apis 0"},
		{"timeout", []string{"--timeout", "0s"}, "--timeout 0s"},
		{"max-response-size", []string{"--max-response-size", "lots"}, `--max-response-size "lots": want a size like 16MiB`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := em.srv.Calls("DescribeApiGroup")
			r := runCLIEnv(t, dir, goodKeys, append(append([]string{"collect"}, base...), tc.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Errorf("exit %d, stderr %q, want exit 2 and %q", r.code, r.stderr, tc.want)
			}
			if em.srv.Calls("DescribeApiGroup") != calls {
				t.Error("a call was made despite a usage error")
			}
		})
	}
	// Plain http to a host that is not a loopback address: refused before
	// any connection is tried.
	r := runCLIEnv(t, dir, goodKeys, "collect", "--group", "g-orders", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", "http://10.255.0.1:8080")
	if r.code != 2 || !strings.Contains(r.stderr, "plain http to a host that is not a loopback address") || !strings.Contains(r.stderr, "--insecure-endpoint") {
		t.Errorf("http:// non-loopback: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestCollectOverallTimeout(t *testing.T) {
	em := startCLIEmulator(t)
	em.srv.AddFault(emulator.Fault{Action: "DescribeApis", Latency: 10 * time.Second})
	dir := t.TempDir()
	r := runCLIEnv(t, dir, goodKeys, "collect", "--group", "g-orders", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", em.url,
		"--timeout", "500ms", "-o", "snap.json")
	if r.code != 1 || !strings.Contains(r.stderr, "collect: the collection did not finish within 500ms (--timeout); nothing was written") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "snap.json")); err == nil {
		t.Error("a snapshot was written")
	}
}

func TestCheckSnapshotSize(t *testing.T) {
	if err := checkSnapshotSize(snapshot.MaxSnapshotBytes, snapshot.MaxSnapshotBytes); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	err := checkSnapshotSize(snapshot.MaxSnapshotBytes+1, snapshot.MaxSnapshotBytes)
	if err == nil || !strings.Contains(err.Error(), "more than the 64 MiB a snapshot may hold; nothing was written") {
		t.Errorf("over the limit: %v", err)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"16MiB": 16 << 20, "1048576": 1 << 20, "512KiB": 512 << 10, "2g": 2 << 30, " 3 MB ": 3 << 20, "100b": 100} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1MiB", "lots", "1.5MiB", "99999999GiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

// longSTSToken is an STS token of the realistic length of 1,088 characters.
func longSTSToken() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	b.WriteString("CAIS")
	x := uint32(88172645)
	for b.Len() < 1086 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte(alphabet[x%64])
	}
	b.WriteString("==")
	return b.String()
}

// leakedFragment returns a piece of 16 characters of a secret, raw or
// percent-encoded once or twice, that appears in out, or "".
func leakedFragment(out string, secrets ...string) string {
	const n = 16
	grams := map[string]bool{}
	for i := 0; i+n <= len(out); i++ {
		grams[out[i:i+n]] = true
	}
	for _, sec := range secrets {
		once := emulator.PercentEncode(sec)
		for _, form := range []string{sec, once, emulator.PercentEncode(once), url.QueryEscape(sec)} {
			for i := 0; i+n <= len(form); i++ {
				if grams[form[i:i+n]] {
					return form[i : i+n]
				}
			}
		}
	}
	return ""
}

// TestSecretsNeverLeakCLI drives run and collect with a 1,088-character
// STS token, DEBUG=sdk, answers that echo the request and a wrong secret,
// and greps stdout, stderr, the snapshot, every report and the emulator
// log for any 16-character piece of a secret.
func TestSecretsNeverLeakCLI(t *testing.T) {
	token := longSTSToken()
	const secret = "CliStsSecret-7Hq2Lm9Xv3"
	const wrong = "CliWrongSecret-4Tz8Pk1N"
	world := strings.Replace(cliWorld, "credentials:\n", fmt.Sprintf("credentials:\n  - {accessKeyId: STS.cli, accessKeySecret: %s, securityToken: %q}\n", secret, token), 1)
	w, err := emulator.ParseWorld([]byte(world), "world")
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	srv := emulator.New(w, emulator.WithLog(&log))
	hs := httptest.NewServer(srv)
	defer hs.Close()
	srv.AddFault(emulator.Fault{Action: "DescribeGroupQps", Kind: emulator.KindEcho, Code: "InvalidParameter"})
	srv.AddFault(emulator.Fault{Action: "DescribeApis", Kind: emulator.KindEcho, Code: "Forbidden.RAM"})
	dir := t.TempDir()
	write(t, dir, ".apigw-preflight.yaml", cliConfigFile)
	keys := func(s string) []string {
		return []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=STS.cli", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + s,
			"ALIBABA_CLOUD_SECURITY_TOKEN=" + token, "ALIBABA_CLOUD_REGION_ID=cn-hangzhou", "DEBUG=sdk"}
	}
	var produced strings.Builder
	args := []string{"--group", "g-orders", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", hs.URL}

	r := runCLIEnv(t, dir, keys(secret), append([]string{"run", "-f", "text", "-f", "json=r.json", "-f", "sarif=r.sarif",
		"-f", "junit=r.xml", "--snapshot-out", "s.json"}, args...)...)
	if r.code != 0 && r.code != 3 {
		t.Fatalf("run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	produced.WriteString(r.stdout + r.stderr)
	if strings.Contains(r.stdout, "> POST") || !strings.Contains(r.stderr, "DEBUG=sdk ignored") {
		t.Errorf("DEBUG=sdk: stdout %q\nstderr %q", r.stdout, r.stderr)
	}
	for _, f := range []string{"r.json", "r.sarif", "r.xml", "s.json"} {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		produced.Write(raw)
		if !bytes.Contains(raw, []byte("[REDACTED]")) {
			t.Errorf("%s does not carry the redacted echo: the test does not exercise the report", f)
		}
	}

	// collect to stdout under DEBUG=sdk: stdout is the snapshot alone.
	r = runCLIEnv(t, dir, keys(secret), append([]string{"collect"}, args...)...)
	var snap map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &snap); r.code != 0 || err != nil {
		t.Errorf("collect under DEBUG=sdk: exit %d, stdout is not the snapshot (%v):\n%.500s", r.code, err, r.stdout)
	}
	produced.WriteString(r.stdout + r.stderr)

	// A wrong secret: the cloud's answer quotes the string-to-sign.
	r = runCLIEnv(t, dir, keys(wrong), append([]string{"collect"}, args...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "SignatureDoesNotMatch: Specified signature is not matched with our calculation. (RequestId ") {
		t.Errorf("wrong secret: exit %d, stderr %q", r.code, r.stderr)
	}
	produced.WriteString(r.stdout + r.stderr + log.String())
	if frag := leakedFragment(produced.String(), token, secret, wrong); frag != "" {
		t.Errorf("secret fragment %q appears in the output", frag)
	}
}

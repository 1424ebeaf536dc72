package migrate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/collector"
	"github.com/apigw-preflight/apigw-preflight/emulator"
	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/preflight"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
	"github.com/apigw-preflight/apigw-preflight/waiver"
)

const (
	shared    = "api-shared-vpc-001"
	dest      = "apigateway-hz-ab12cd34ef56"
	dedSource = "apigateway-hz-5a5a5a5a5a5a"
)

// testWorld: orders, slow and fails move cleanly from the serverless
// instance; locked fails the gate; moved is already on the destination;
// ded sits on a dedicated instance whose traffic drains; custom has a
// custom RPS limit (MIG002) that only a waiver lets pass.
const testWorld = `
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
     SupportIpv6: "false", EgressIpv6Enable: false, VpcIntranetEnable: false, VpcSlbIntranetEnable: false}
  - {InstanceId: apigateway-hz-5a5a5a5a5a5a, InstanceType: VPC_DEDICATED, DedicatedInstanceType: normal,
     RegionId: cn-hangzhou, Status: RUNNING, InstanceSpec: api.s1.small, InstanceRpsLimit: "2500",
     HttpsPolicies: HTTPS2_TLS1_0, InternetEgressAddress: 47.96.7.7, VpcEgressAddress: 100.104.254.0/26,
     SupportIpv6: "false", EgressIpv6Enable: false, VpcIntranetEnable: false, VpcSlbIntranetEnable: false}
groups:
  - {GroupId: g-orders, GroupName: orders, InstanceId: api-shared-vpc-001, InstanceType: VPC_SHARED, Status: NORMAL,
     IllegalStatus: NORMAL, TrafficLimit: 500, HttpsPolicy: HTTPS2_TLS1_0, Ipv6Status: UNBIND, MigrationStatus: ""}
  - {GroupId: g-slow, GroupName: slow, InstanceId: api-shared-vpc-001, InstanceType: VPC_SHARED, Status: NORMAL,
     IllegalStatus: NORMAL, TrafficLimit: 500, HttpsPolicy: HTTPS2_TLS1_0, Ipv6Status: UNBIND, MigrationStatus: ""}
  - {GroupId: g-fails, GroupName: fails, InstanceId: api-shared-vpc-001, InstanceType: VPC_SHARED, Status: NORMAL,
     IllegalStatus: NORMAL, TrafficLimit: 500, HttpsPolicy: HTTPS2_TLS1_0, Ipv6Status: UNBIND, MigrationStatus: ""}
  - {GroupId: g-locked, GroupName: locked, InstanceId: api-shared-vpc-001, InstanceType: VPC_SHARED, Status: NORMAL,
     IllegalStatus: LOCKED, TrafficLimit: 500, HttpsPolicy: HTTPS2_TLS1_0, Ipv6Status: UNBIND, MigrationStatus: ""}
  - {GroupId: g-moved, GroupName: moved, InstanceId: apigateway-hz-ab12cd34ef56, InstanceType: VPC_DEDICATED, Status: NORMAL,
     IllegalStatus: NORMAL, TrafficLimit: 500, HttpsPolicy: HTTPS2_TLS1_0, Ipv6Status: UNBIND, MigrationStatus: Success}
  - {GroupId: g-ded, GroupName: ded, InstanceId: apigateway-hz-5a5a5a5a5a5a, InstanceType: VPC_DEDICATED, Status: NORMAL,
     IllegalStatus: NORMAL, TrafficLimit: 500, HttpsPolicy: HTTPS2_TLS1_0, Ipv6Status: UNBIND, MigrationStatus: ""}
  - {GroupId: g-custom, GroupName: custom, InstanceId: api-shared-vpc-001, InstanceType: VPC_SHARED, Status: NORMAL,
     IllegalStatus: NORMAL, TrafficLimit: 800, HttpsPolicy: HTTPS2_TLS1_0, Ipv6Status: UNBIND, MigrationStatus: ""}
groupQps:
  g-orders: [{ItemTime: now-1h, ItemValue: "300"}]
  g-slow: [{ItemTime: now-1h, ItemValue: "200"}]
  g-fails: [{ItemTime: now-1h, ItemValue: "200"}]
  g-locked: [{ItemTime: now-1h, ItemValue: "200"}]
  g-moved: [{ItemTime: now-1h, ItemValue: "200"}]
  g-ded: [{ItemTime: now-1h, ItemValue: "200"}]
  g-custom: [{ItemTime: now-1h, ItemValue: "200"}]
instanceQps:
  apigateway-hz-ab12cd34ef56: [{ItemTime: now-1h, ItemValue: 100}]
instanceQpsSeries:
  apigateway-hz-5a5a5a5a5a5a: [40, 5, 0]
migrations:
  g-orders: {polls: 2}
  g-custom: {polls: 1}
  g-slow: {polls: 100000}
  g-fails: {polls: 1, fail: true, error: "destination lacks the internal domain"}
`

// harness is an emulator, a client of it through the real SDK and the
// preflight pipeline (collect, evaluate, result) over that client.
type harness struct {
	t      *testing.T
	srv    *emulator.Server
	client *cloud.Client
	engine *policies.Engine

	url string

	mu        sync.Mutex
	prechecks int
	lockDir   string
	// front, when set, sees each request first; true means it answered.
	front func(w http.ResponseWriter, r *http.Request) bool
	// waivers, when set, gives each preflight its waivers.
	waivers func() *waiver.Set
}

// newClient is another SDK client of the harness's emulator (the SDK's
// client is not for sharing between goroutines).
func (h *harness) newClient(opts cloud.ClientOptions) *cloud.Client {
	h.t.Helper()
	opts.RegionID, opts.Endpoint = "cn-hangzhou", h.url
	c, err := cloud.NewClient(opts)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) setFront(f func(w http.ResponseWriter, r *http.Request) bool) {
	h.mu.Lock()
	h.front = f
	h.mu.Unlock()
}

var (
	engineOnce sync.Once
	engine     *policies.Engine
	engineErr  error
)

func newHarness(t *testing.T) *harness {
	t.Helper()
	for _, k := range []string{"ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_ROLE_ARN",
		"ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_CREDENTIALS_FILE", "HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	t.Setenv("HOME", t.TempDir())
	w, err := emulator.ParseWorld([]byte(testWorld), "testWorld")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, srv: emulator.New(w)}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		front := h.front
		h.mu.Unlock()
		if front != nil && front(w, r) {
			return
		}
		h.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	h.url = ts.URL
	h.client = h.newClient(cloud.ClientOptions{})
	engineOnce.Do(func() { engine, engineErr = policies.New(context.Background(), policies.Options{}) })
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	h.engine = engine
	return h
}

// gate is the threshold the harness's preflight judges by.
var gate, _ = report.ParseThreshold("error")

var fastRetry = &cloud.RetryPolicy{MaxAttempts: 4, Base: time.Millisecond, Cap: 2 * time.Millisecond}

// preflight is the pipeline the command builds: collect, evaluate, gate.
func (h *harness) preflight(group string) Preflight { return h.preflightOn(h.client, group) }

// preflightOn is preflight through client.
func (h *harness) preflightOn(client *cloud.Client, group string) Preflight {
	return func(ctx context.Context) (*Evidence, error) {
		h.mu.Lock()
		h.prechecks++
		h.mu.Unlock()
		snap, err := collector.Collect(ctx, client, collector.Request{
			GroupID: group, TargetInstanceID: dest, RegionID: "cn-hangzhou", Retry: fastRetry,
		})
		if err != nil {
			return nil, err
		}
		raw, err := snap.Marshal()
		if err != nil {
			return nil, err
		}
		doc, err := snapshot.Parse("snapshot.json", raw)
		if err != nil {
			return nil, err
		}
		opts := preflight.Options{FailOn: gate}
		h.mu.Lock()
		if h.waivers != nil {
			opts.Waivers = h.waivers()
		}
		h.mu.Unlock()
		r, err := preflight.Run(ctx, h.engine, []*snapshot.Document{doc}, opts)
		if err != nil {
			return nil, err
		}
		f, _ := report.Lookup("json")
		var buf bytes.Buffer
		if err := f.New(report.Options{}).Report(&buf, r); err != nil {
			return nil, err
		}
		return &Evidence{Snapshot: raw, Report: buf.Bytes(), Result: r,
			Group: snap.Group, Source: snap.Source, Destination: snap.Destination}, nil
	}
}

func (h *harness) first(group string) *Evidence {
	h.t.Helper()
	ev, err := h.preflight(group)(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	h.mu.Lock()
	h.prechecks = 0
	h.mu.Unlock()
	return ev
}

func (h *harness) recheckCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.prechecks
}

// migrator is a Migrator over the harness with fast polls, writing its
// output and audit lines to buffers.
func (h *harness) migrator(group string) (*Migrator, *bytes.Buffer, *bytes.Buffer) {
	var out, audit bytes.Buffer
	h.mu.Lock()
	if h.lockDir == "" {
		h.lockDir = h.t.TempDir()
	}
	h.mu.Unlock()
	return &Migrator{
		LockDir:       h.lockDir,
		API:           h.client,
		Recheck:       h.preflight(group),
		Out:           &out,
		Progress:      &out,
		Poll:          PollPolicy{Base: time.Millisecond, Cap: 2 * time.Millisecond, Timeout: 5 * time.Second},
		DrainInterval: time.Millisecond,
		Audit:         &audit,
		Tool:          "apigw-preflight test",
	}, &out, &audit
}

// record decodes the audit lines of one Run and returns its outcome line.
// A Run that sent the write has an intent line before it, with the same
// Attempt; any other has the outcome line only.
func record(t *testing.T, audit *bytes.Buffer) Record {
	t.Helper()
	recs := records(t, audit)
	out := recs[len(recs)-1]
	if out.Status == StatusIntent || out.Finished == "" || len(out.Attempt) != 16 {
		t.Fatalf("the last audit line is not an outcome: %+v", out)
	}
	switch {
	case out.WriteSent && len(recs) != 2:
		t.Fatalf("audit: %d lines for a run that sent the write, want intent + outcome:\n%s", len(recs), audit)
	case !out.WriteSent && len(recs) != 1:
		t.Fatalf("audit: %d lines for a run that sent no write, want the outcome only:\n%s", len(recs), audit)
	case len(recs) == 2:
		in := recs[0]
		if in.Status != StatusIntent || in.Attempt != out.Attempt || in.Finished != "" || in.WriteSent ||
			in.Group != out.Group || in.Destination != out.Destination || in.Remark != out.Remark || in.RecheckReportSHA256 != out.RecheckReportSHA256 {
			t.Errorf("intent line %+v does not announce outcome %+v", in, out)
		}
	}
	return out
}

// records decodes every audit line.
func records(t *testing.T, audit *bytes.Buffer) []Record {
	t.Helper()
	if strings.Contains(audit.String(), "testsecret") {
		t.Error("the audit log holds the secret")
	}
	lines := strings.Split(strings.TrimSuffix(audit.String(), "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("no audit line")
	}
	var out []Record
	for _, line := range lines {
		var rec Record
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("audit line: %v\n%s", err, line)
		}
		out = append(out, rec)
	}
	return out
}

func kindOfErr(err error) Kind {
	var me *Error
	if !errors.As(err, &me) {
		return 0
	}
	return me.Kind
}

// faultyAPI lets a test change one call's answer.
type faultyAPI struct {
	cloud.API
	hook func(action string, body []byte, err error) ([]byte, error)
}

func (f *faultyAPI) Call(ctx context.Context, product, action string, params map[string]string) ([]byte, error) {
	body, err := f.API.Call(ctx, product, action, params)
	if f.hook != nil {
		return f.hook(action, body, err)
	}
	return body, err
}

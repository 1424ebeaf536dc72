package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/config"
	"github.com/apigw-preflight/apigw-preflight/emulator"
	"github.com/apigw-preflight/apigw-preflight/snapshot"

	"github.com/apigw-preflight/apigw-preflight/internal/testenv"
)

// testNow is the fixed collection time of the tests.
var testNow = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

const (
	groupID    = "523e8dc7bbe04613b5b1d726c2a7889d"
	sharedID   = "api-shared-vpc-001"
	normalID   = "apigateway-hz-ab12cd34ef56"
	connectID  = "apigateway-hz-vpcconnect01"
	testRegion = "cn-hangzhou"
)

// baseWorld is a serverless group with a mix of backends, a conventional
// dedicated instance and a VPC integration instance.
const baseWorld = `
regionId: cn-hangzhou
credentials:
  - {accessKeyId: testid, accessKeySecret: testsecret}
  - {accessKeyId: stsid, accessKeySecret: stssecret-abc123, securityToken: "CAIS-token/with+chars=="}
instances:
  - InstanceId: api-shared-vpc-001
    InstanceName: shared
    InstanceType: VPC_SHARED
    RegionId: cn-hangzhou
    Status: RUNNING
    InstanceRpsLimit: 2500
    InternetEgressAddress: 47.96.1.1
    EgressIpv6Enable: false
  - InstanceId: apigateway-hz-ab12cd34ef56
    InstanceName: dedicated
    InstanceType: VPC_DEDICATED
    DedicatedInstanceType: normal
    RegionId: cn-hangzhou
    Status: RUNNING
    InstanceSpec: api.s1.small
    InstanceRpsLimit: "2500"
    HttpsPolicies: HTTPS2_TLS1_0,HTTPS2_TLS1_2
    InternetEgressAddress: 47.96.7.7
    VpcEgressAddress: 100.104.254.0/26
    SupportIpv6: "true"
    EgressIpv6Enable: "FALSE"
    VpcIntranetEnable: false
    VpcSlbIntranetEnable: false
    ExpiredTime: "1798761600000"
  - InstanceId: apigateway-hz-vpcconnect01
    InstanceType: VPC_DEDICATED
    DedicatedInstanceType: vpc_connect
    RegionId: cn-hangzhou
    Status: RUNNING
    InstanceRpsLimit: 5000
    ConnectVpcId: vpc-conn
    ConnectCidrBlocks: '["10.0.0.0/8","172.16.0.0/12"]'
    NetworkInterfaceAttributes:
      NetworkInterfaceAttribute:
        - {NetworkInterfaceId: eni-1, SecurityGroupId: sg-a, VswitchId: vsw-1, CidrBlock: 10.0.1.0/24, ZoneId: cn-hangzhou-h}
        - {NetworkInterfaceId: eni-2, SecurityGroupId: sg-b, VswitchId: vsw-2, CidrBlock: 10.0.2.0/24, ZoneId: cn-hangzhou-i}
        - {NetworkInterfaceId: eni-3, SecurityGroupId: sg-a, VswitchId: vsw-3, CidrBlock: 10.0.3.0/24, ZoneId: cn-hangzhou-j}
groups:
  - GroupId: 523e8dc7bbe04613b5b1d726c2a7889d
    GroupName: orders
    RegionId: cn-hangzhou
    InstanceId: api-shared-vpc-001
    InstanceType: VPC_SHARED
    Status: NORMAL
    IllegalStatus: NORMAL
    TrafficLimit: 500
    HttpsPolicy: HTTPS2_TLS1_0
    VpcDomain: ""
    VpcSlbIntranetDomain: ""
    Ipv6Status: UNBIND
    MigrationStatus: ""
    CustomDomains:
      DomainItem:
        - {DomainName: api.example.com, CertificateId: cert-1, BindStageName: RELEASE}
apis:
  - GroupId: 523e8dc7bbe04613b5b1d726c2a7889d
    ApiId: api-http
    ApiName: GetOrder
    Visibility: PUBLIC
    deployed:
      RELEASE: {ServiceConfig: {ServiceProtocol: HTTP, ServiceAddress: "http://47.97.3.3:8080", ServiceVpcEnable: "FALSE"}}
  - GroupId: 523e8dc7bbe04613b5b1d726c2a7889d
    ApiId: api-https
    ApiName: ListOrders
    deployed:
      RELEASE: {ServiceConfig: {ServiceProtocol: HTTPS, ServiceAddress: "https://backend.example.com/v1"}}
  - GroupId: 523e8dc7bbe04613b5b1d726c2a7889d
    ApiId: api-vpc
    ApiName: Internal
    deployed:
      RELEASE:
        ServiceConfig:
          ServiceProtocol: HTTP
          ServiceAddress: "http://orders-slb"
          ServiceVpcEnable: "TRUE"
          VpcConfig: {VpcId: vpc-1, InstanceId: lb-1, Port: 8080, Name: orders-slb}
  - GroupId: 523e8dc7bbe04613b5b1d726c2a7889d
    ApiId: api-stagevar
    ApiName: PerStage
    deployed:
      RELEASE: {ServiceConfig: {ServiceProtocol: HTTP, ServiceAddress: "http://#host#:8080"}}
  - GroupId: 523e8dc7bbe04613b5b1d726c2a7889d
    ApiId: api-fc
    ApiName: Thumbnail
    deployed:
      RELEASE: {ServiceConfig: {ServiceProtocol: FunctionCompute, FunctionComputeConfig: {FcRegionId: cn-hangzhou, ServiceName: img, FunctionName: thumb}}}
  - GroupId: 523e8dc7bbe04613b5b1d726c2a7889d
    ApiId: api-mock
    ApiName: Ping
    deployed:
      RELEASE: {ServiceConfig: {ServiceProtocol: HTTP, ServiceAddress: "http://127.0.0.1", Mock: "TRUE", MockResult: pong}}
  - GroupId: 523e8dc7bbe04613b5b1d726c2a7889d
    ApiId: api-preonly
    ApiName: Draft
    deployed:
      PRE: {ServiceConfig: {ServiceProtocol: HTTP, ServiceAddress: "http://10.9.9.9"}}
groupQps:
  523e8dc7bbe04613b5b1d726c2a7889d:
    - {ItemTime: "2026-11-01T08:00:00Z", ItemValue: 9999}
    - {ItemTime: "2026-11-19T08:00:00Z", ItemValue: "120.5"}
    - {ItemTime: "2026-11-19T09:00:00Z", ItemValue: "800"}
    - {ItemTime: "2026-11-19T10:00:00Z", ItemValue: 640}
    - {ItemTime: "2026-11-19T11:00:00Z", ItemValue: ""}
instanceQps:
  apigateway-hz-ab12cd34ef56:
    - {ItemTime: "2026-11-18T08:00:00Z", ItemValue: "1500"}
    - {ItemTime: "2026-11-19T08:00:00Z", ItemValue: 1200}
  apigateway-hz-vpcconnect01:
    - {ItemTime: "2026-11-19T08:00:00Z", ItemValue: 42}
networkInterfaces:
  - {NetworkInterfaceId: eni-1, ZoneId: cn-hangzhou-h, VSwitchId: vsw-1, VpcId: vpc-conn, SecurityGroupIds: {SecurityGroupId: [sg-a]}}
  - {NetworkInterfaceId: eni-2, ZoneId: cn-hangzhou-i, VSwitchId: vsw-2, VpcId: vpc-conn, SecurityGroupIds: {SecurityGroupId: [sg-b]}}
  - {NetworkInterfaceId: eni-3, ZoneId: cn-hangzhou-j, VSwitchId: vsw-3, VpcId: vpc-conn, SecurityGroupIds: {SecurityGroupId: [sg-a]}}
securityGroups:
  - SecurityGroupId: sg-a
    SecurityGroupName: eni-a
    VpcId: vpc-conn
    InnerAccessPolicy: Accept
    Permissions:
      Permission:
        - {Direction: egress, IpProtocol: TCP, PortRange: "8080/8080", Policy: Accept, Priority: "1", DestCidrIp: 10.0.1.5/32}
        - {Direction: ingress, IpProtocol: ALL, PortRange: "-1/-1", Policy: drop, Priority: "100", SourceCidrIp: 0.0.0.0/0}
  - SecurityGroupId: sg-b
    SecurityGroupType: enterprise
    SecurityGroupName: eni-b
    VpcId: vpc-conn
    Permissions:
      Permission: []
`

// fakeResolver answers from a table; tests never reach real DNS.
type fakeResolver map[string][]string

func (f fakeResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	if ips, ok := f[host]; ok {
		return ips, nil
	}
	return nil, fmt.Errorf("lookup %s: no such host (test resolver)", host)
}

var testResolver = fakeResolver{"backend.example.com": {"47.97.5.5", "2408:4000::1", "47.97.5.5"}}

// fastRetry keeps retry tests quick.
var fastRetry = cloud.RetryPolicy{MaxAttempts: 4, Base: time.Millisecond, Cap: 4 * time.Millisecond, MaxElapsed: 10 * time.Second}

type env struct {
	srv *emulator.Server
	url string
	log *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startWorld serves world on loopback.
func startWorld(t *testing.T, world string) *env {
	t.Helper()
	w, err := emulator.ParseWorld([]byte(world), t.Name())
	if err != nil {
		t.Fatalf("ParseWorld: %v", err)
	}
	log := &syncBuffer{}
	srv := emulator.New(w, emulator.WithSeed(1), emulator.WithLog(log))
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &env{srv: srv, url: hs.URL, log: log}
}

// staticClient builds a client signing with the given key pair.
func (e *env) staticClient(t *testing.T, id, secret string, mod func(*cloud.ClientOptions)) *cloud.Client {
	t.Helper()
	opts := cloud.ClientOptions{RegionID: testRegion, Endpoint: e.url,
		Key: &cloud.AccessKey{ID: id, Secret: secret}}
	if mod != nil {
		mod(&opts)
	}
	c, err := cloud.NewClient(opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func testRequest(target string) Request {
	cfg, err := config.ParseConfig([]byte(`
allowlists:
  - match: backend.example.com
    allow: []
  - match: 47.97.0.0/16
    allow: [47.96.0.0/16, 100.104.0.0/16]
`), "test.yaml")
	if err != nil {
		panic(err)
	}
	return Request{
		GroupID: groupID, TargetInstanceID: target, RegionID: testRegion,
		Now: func() time.Time { return testNow }, Config: cfg, Resolver: testResolver,
		Retry: &fastRetry, Version: "1.2.3",
	}
}

func collect(t *testing.T, e *env, client *cloud.Client, req Request) (*snapshot.Snapshot, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return Collect(ctx, client, req)
}

// roundTrip renders a snapshot the way it is written and decodes it again.
func roundTrip(t *testing.T, s *snapshot.Snapshot) map[string]any {
	t.Helper()
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCollectServerlessToNormal(t *testing.T) {
	e := startWorld(t, baseWorld)
	client := e.staticClient(t, "testid", "testsecret", nil)
	var steps []string
	req := testRequest(normalID)
	req.Progress = func(s string) { steps = append(steps, s) }
	snap, err := collect(t, e, client, req)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}

	if snap.SchemaVersion != "apigw-preflight/v1" || snap.CollectedAt != "2026-11-20T08:00:00Z" || snap.RegionID != "cn-hangzhou" {
		t.Errorf("header = %q %q %q", snap.SchemaVersion, snap.CollectedAt, snap.RegionID)
	}
	if *snap.Collector != (snapshot.Program{Name: "apigw-preflight", Version: "1.2.3"}) {
		t.Errorf("collector = %+v", *snap.Collector)
	}
	// The cloud objects are verbatim: loose forms and all fields kept.
	if snap.Group["GroupName"] != "orders" || snap.Group["TrafficLimit"] != json.Number("500") || snap.Group["Ipv6Status"] != "UNBIND" {
		t.Errorf("group = %v", snap.Group)
	}
	if _, ok := snap.Group["RequestId"]; !ok {
		t.Errorf("group lost RequestId: %v", snap.Group)
	}
	domains := list(snap.Group, "CustomDomains", "DomainItem")
	if len(domains) != 1 || domains[0].(map[string]any)["CertificateId"] != "cert-1" {
		t.Errorf("CustomDomains = %v", domains)
	}
	if snap.Source["InstanceId"] != sharedID || snap.Source["InstanceRpsLimit"] != json.Number("2500") || snap.Source["EgressIpv6Enable"] != false {
		t.Errorf("source = %v", snap.Source)
	}
	d := snap.Destination
	for k, want := range map[string]any{
		"InstanceId": normalID, "InstanceRpsLimit": "2500", "SupportIpv6": "true", "EgressIpv6Enable": "FALSE",
		"HttpsPolicies": "HTTPS2_TLS1_0,HTTPS2_TLS1_2", "ExpiredTime": "1798761600000", "VpcIntranetEnable": false,
	} {
		if !reflect.DeepEqual(d[k], want) {
			t.Errorf("destination.%s = %#v, want %#v", k, d[k], want)
		}
	}

	want := []snapshot.Backend{
		{APIID: "api-http", APIName: "GetOrder", Stage: "RELEASE", Protocol: "HTTP", Address: "http://47.97.3.3:8080",
			Host: "47.97.3.3", Port: 8080, IPs: []string{"47.97.3.3"}, Allowlist: []string{"47.96.0.0/16", "100.104.0.0/16"}},
		{APIID: "api-https", APIName: "ListOrders", Stage: "RELEASE", Protocol: "HTTPS", Address: "https://backend.example.com/v1",
			Host: "backend.example.com", Port: 443, IPs: []string{"2408:4000::1", "47.97.5.5"}, Allowlist: []string{}},
		{APIID: "api-vpc", APIName: "Internal", Stage: "RELEASE", Protocol: "VPC", Address: "http://orders-slb",
			Host: "orders-slb", Port: 8080,
			VPCAccess: map[string]any{"VpcId": "vpc-1", "InstanceId": "lb-1", "Port": json.Number("8080"), "Name": "orders-slb"}},
		{APIID: "api-stagevar", APIName: "PerStage", Stage: "RELEASE", Protocol: "HTTP", Address: "http://#host#:8080", Port: 8080,
			Unresolved: "address http://#host#:8080 uses stage variable #host#; its value per stage is not read, so the backend is not resolved"},
		{APIID: "api-fc", APIName: "Thumbnail", Stage: "RELEASE", Protocol: "FunctionCompute"},
		{APIID: "api-mock", APIName: "Ping", Stage: "RELEASE", Protocol: "Mock", Address: "http://127.0.0.1"},
	}
	if !reflect.DeepEqual(snap.Backends, want) {
		got, _ := json.MarshalIndent(snap.Backends, "", " ")
		t.Errorf("backends:\n%s", got)
	}

	if want := (snapshot.Load{PeakRPS: 800, From: "2026-11-13T08:00:00Z", To: "2026-11-20T08:00:00Z", Stage: "RELEASE", Stages: map[string]float64{"RELEASE": 800}}); !reflect.DeepEqual(*snap.Traffic, want) {
		t.Errorf("traffic = %+v", *snap.Traffic)
	}
	if want := (snapshot.Load{PeakRPS: 1500, From: "2026-11-13T08:00:00Z", To: "2026-11-20T08:00:00Z", Stages: map[string]float64{"RELEASE": 1500}}); !reflect.DeepEqual(*snap.DestinationLoad, want) {
		t.Errorf("destinationLoad = %+v", *snap.DestinationLoad)
	}
	if snap.ENISecurityGroups != nil || snap.CollectionErrors != nil {
		t.Errorf("eniSecurityGroups = %v, collectionErrors = %v", snap.ENISecurityGroups, snap.CollectionErrors)
	}
	if e.srv.Calls("DescribeInstances") != 2 || e.srv.Calls("DescribeDeployedApi") != 7 || e.srv.Calls("DescribeSecurityGroupAttribute") != 0 {
		t.Errorf("calls: DescribeInstances %d, DescribeDeployedApi %d, DescribeSecurityGroupAttribute %d",
			e.srv.Calls("DescribeInstances"), e.srv.Calls("DescribeDeployedApi"), e.srv.Calls("DescribeSecurityGroupAttribute"))
	}
	if len(steps) == 0 || !strings.Contains(steps[0], groupID) {
		t.Errorf("progress steps = %q", steps)
	}

	// The written form keeps null (unknown) apart from [] (allows nothing)
	// and passes the lead's loader.
	m := roundTrip(t, snap)
	bs := m["backends"].([]any)
	if v, ok := bs[1].(map[string]any)["allowlist"]; !ok || v == nil || len(v.([]any)) != 0 {
		t.Errorf("backends[1].allowlist = %#v, want []", v)
	}
	if v, ok := bs[3].(map[string]any)["allowlist"]; !ok || v != nil {
		t.Errorf("backends[3].allowlist = %#v, want null", v)
	}
	raw, _ := snap.Marshal()
	if _, err := snapshot.Parse("collected.json", raw); err != nil {
		t.Errorf("collected snapshot does not load: %v", err)
	}
}

func TestCollectVPCConnectSecurityGroups(t *testing.T) {
	e := startWorld(t, baseWorld)
	client := e.staticClient(t, "testid", "testsecret", nil)
	snap, err := collect(t, e, client, testRequest(connectID))
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if snap.Destination["ConnectCidrBlocks"] != `["10.0.0.0/8","172.16.0.0/12"]` {
		t.Errorf("ConnectCidrBlocks = %#v (want the JSON string verbatim)", snap.Destination["ConnectCidrBlocks"])
	}
	if len(snap.ENISecurityGroups) != 2 {
		t.Fatalf("eniSecurityGroups = %d entries, want 2 (sg-a, sg-b, each once)", len(snap.ENISecurityGroups))
	}
	a, b := snap.ENISecurityGroups[0], snap.ENISecurityGroups[1]
	if a["SecurityGroupId"] != "sg-a" || a["SecurityGroupType"] != "normal" || a["InnerAccessPolicy"] != "Accept" {
		t.Errorf("sg-a = %v", a)
	}
	if b["SecurityGroupId"] != "sg-b" || b["SecurityGroupType"] != "enterprise" {
		t.Errorf("sg-b = %v", b)
	}
	perms := list(a, "Permissions", "Permission")
	if len(perms) != 2 {
		t.Fatalf("sg-a permissions = %v", perms)
	}
	p0 := perms[0].(map[string]any)
	if p0["Priority"] != "1" || p0["PortRange"] != "8080/8080" || p0["Policy"] != "Accept" || p0["DestCidrIp"] != "10.0.1.5/32" {
		t.Errorf("sg-a permission[0] = %v", p0)
	}
	if perms[1].(map[string]any)["Policy"] != "drop" {
		t.Errorf("sg-a permission[1] = %v (policy case must be kept)", perms[1])
	}
	if got := e.srv.Calls("DescribeSecurityGroupAttribute"); got != 2 {
		t.Errorf("DescribeSecurityGroupAttribute calls = %d, want 2", got)
	}
	if got := e.srv.Calls("DescribeSecurityGroups"); got != 1 {
		t.Errorf("DescribeSecurityGroups calls = %d, want 1", got)
	}
	if snap.DestinationLoad.PeakRPS != 42 {
		t.Errorf("destinationLoad = %+v", snap.DestinationLoad)
	}
}

func TestCollectReadsEachInstanceOnce(t *testing.T) {
	for _, tc := range []struct {
		name, target string
		want         int
	}{
		{"distinct", normalID, 2},
		{"same instance", sharedID, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startWorld(t, baseWorld)
			snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(tc.target))
			if err != nil {
				t.Fatal(err)
			}
			if got := e.srv.Calls("DescribeInstances"); got != tc.want {
				t.Errorf("DescribeInstances calls = %d, want %d", got, tc.want)
			}
			if snap.Destination["InstanceId"] != tc.target || snap.Source["InstanceId"] != sharedID {
				t.Errorf("source %v, destination %v", snap.Source["InstanceId"], snap.Destination["InstanceId"])
			}
		})
	}
}

func TestCollectPagesAPIs(t *testing.T) {
	var b strings.Builder
	b.WriteString(baseWorld[:strings.Index(baseWorld, "apis:")])
	b.WriteString("apis:\n")
	const n = 230
	for i := range n {
		fmt.Fprintf(&b, "  - {GroupId: %s, ApiId: api-%03d, ApiName: Api%03d, deployed: {RELEASE: {ServiceConfig: {ServiceProtocol: HTTP, ServiceAddress: \"http://10.1.%d.%d:80\"}}}}\n",
			groupID, i, i, i/200, i%200+1)
	}
	e := startWorld(t, b.String())
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(normalID))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.srv.Calls("DescribeApis"); got != 3 {
		t.Errorf("DescribeApis calls = %d, want 3 pages of 100", got)
	}
	if len(snap.Backends) != n {
		t.Fatalf("backends = %d, want %d", len(snap.Backends), n)
	}
	seen := map[string]bool{}
	for _, be := range snap.Backends {
		seen[be.APIID] = true
	}
	if len(seen) != n || snap.Backends[229].IPs[0] != "10.1.1.30" {
		t.Errorf("distinct APIs = %d, last backend = %+v", len(seen), snap.Backends[229])
	}
}

func TestCollectRetriesThrottling(t *testing.T) {
	e := startWorld(t, baseWorld)
	e.srv.AddFault(emulator.Fault{Action: "DescribeApiGroup", Code: "Throttling.User", Status: 400, Count: 2})
	e.srv.AddFault(emulator.Fault{Action: "DescribeDeployedApi", Code: "ServiceUnavailable", Status: 503, Count: 1})
	e.srv.AddFault(emulator.Fault{Action: "DescribeGroupQps", Code: "Throttling", Count: 3})
	var steps []string
	req := testRequest(normalID)
	req.Progress = func(s string) { steps = append(steps, s) }
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), req)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if snap.CollectionErrors != nil || len(snap.Backends) != 6 || snap.Traffic == nil || snap.Traffic.PeakRPS != 800 {
		t.Errorf("snapshot incomplete: errors %v, %d backends, traffic %+v", snap.CollectionErrors, len(snap.Backends), snap.Traffic)
	}
	if got := e.srv.Calls("DescribeApiGroup"); got != 3 {
		t.Errorf("DescribeApiGroup calls = %d, want 3", got)
	}
	if got := e.srv.Calls("DescribeGroupQps"); got != 4 {
		t.Errorf("DescribeGroupQps calls = %d, want 4", got)
	}
	if !strings.Contains(strings.Join(steps, "\n"), "DescribeApiGroup: Throttling.User, retrying in") {
		t.Errorf("no retry progress in %q", steps)
	}
}

func TestCollectForbiddenQpsIsRecorded(t *testing.T) {
	e := startWorld(t, baseWorld)
	e.srv.AddFault(emulator.Fault{Action: "DescribeGroupQps", Code: "Forbidden.RAM", Status: 403})
	e.srv.AddFault(emulator.Fault{Action: "DescribeSecurityGroupAttribute", Code: "Forbidden.RAM", Status: 403})
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(connectID))
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if snap.Traffic != nil {
		t.Errorf("traffic = %+v, want absent", snap.Traffic)
	}
	if len(snap.CollectionErrors) != 3 {
		t.Fatalf("collectionErrors = %+v", snap.CollectionErrors)
	}
	ce := snap.CollectionErrors[0]
	if ce.Call != "DescribeGroupQps" || ce.Code != "Forbidden.RAM" || !strings.Contains(ce.Message, "RequestId ") {
		t.Errorf("collectionErrors[0] = %+v", ce)
	}
	if ce := snap.CollectionErrors[2]; ce.Call != "DescribeSecurityGroupAttribute" || ce.Code != "Forbidden.RAM" {
		t.Errorf("collectionErrors[2] = %+v", ce)
	}
	if got := e.srv.Calls("DescribeGroupQps"); got != 1 {
		t.Errorf("DescribeGroupQps calls = %d: Forbidden.RAM must not be retried", got)
	}
	if snap.DestinationLoad == nil || len(snap.Backends) != 6 || snap.ENISecurityGroups != nil {
		t.Errorf("other reads should go on: load %+v, %d backends, sgs %v", snap.DestinationLoad, len(snap.Backends), snap.ENISecurityGroups)
	}
}

func TestCollectGroupServerErrorGivesUp(t *testing.T) {
	e := startWorld(t, baseWorld)
	e.srv.AddFault(emulator.Fault{Action: "DescribeApiGroup", Code: "InternalError", Status: 500})
	_, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(normalID))
	var ae *cloud.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *APIError", err, err)
	}
	if ae.Call != "DescribeApiGroup" || ae.Code != "InternalError" || ae.HTTPStatus != 500 || ae.RequestID == "" || ae.Attempts != fastRetry.MaxAttempts {
		t.Errorf("APIError = %+v", *ae)
	}
	if !strings.Contains(err.Error(), "RequestId "+ae.RequestID) || !strings.Contains(err.Error(), "gave up after 4 tries") {
		t.Errorf("message = %q", err)
	}
	if got := e.srv.Calls("DescribeApiGroup"); got != fastRetry.MaxAttempts {
		t.Errorf("DescribeApiGroup calls = %d, want %d", got, fastRetry.MaxAttempts)
	}
}

func TestCollectNotFound(t *testing.T) {
	e := startWorld(t, baseWorld)
	client := e.staticClient(t, "testid", "testsecret", nil)
	req := testRequest("apigateway-hz-nosuch")
	_, err := collect(t, e, client, req)
	var ae *cloud.APIError
	if !errors.As(err, &ae) || ae.Code != "NotFoundInstance" || !strings.Contains(ae.Message, "destination instance apigateway-hz-nosuch") {
		t.Errorf("missing destination: err = %v", err)
	}
	req = testRequest(normalID)
	req.GroupID = "nosuchgroup"
	_, err = collect(t, e, client, req)
	if !errors.As(err, &ae) || ae.Code != "NotFoundApiGroup" || ae.Attempts > 1 {
		t.Errorf("missing group: err = %v", err)
	}
}

func TestCollectTimeouts(t *testing.T) {
	e := startWorld(t, baseWorld)
	// One slow answer to an essential read: timed out, retried, fine.
	e.srv.AddFault(emulator.Fault{Action: "DescribeApiGroup", Latency: 3 * time.Second, Count: 1})
	// A read that is always slow: recorded, collection goes on.
	e.srv.AddFault(emulator.Fault{Action: "DescribeInstanceQps", Latency: 3 * time.Second})
	client := e.staticClient(t, "testid", "testsecret", func(o *cloud.ClientOptions) { o.ReadTimeout = 300 * time.Millisecond })
	req := testRequest(normalID)
	retry := fastRetry
	retry.MaxAttempts = 2
	req.Retry = &retry
	start := time.Now()
	snap, err := collect(t, e, client, req)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if time.Since(start) > 2500*time.Millisecond {
		t.Errorf("took %s: the read timeout was not applied", time.Since(start))
	}
	if snap.Group["GroupId"] != groupID {
		t.Errorf("group = %v", snap.Group)
	}
	if len(snap.CollectionErrors) != 1 || snap.CollectionErrors[0].Call != "DescribeInstanceQps" || snap.CollectionErrors[0].Code != cloud.CodeTimeout {
		t.Errorf("collectionErrors = %+v", snap.CollectionErrors)
	}
	if snap.DestinationLoad != nil {
		t.Errorf("destinationLoad = %+v", snap.DestinationLoad)
	}
}

func TestCollectContextCancelled(t *testing.T) {
	e := startWorld(t, baseWorld)
	e.srv.AddFault(emulator.Fault{Action: "DescribeApiGroup", Latency: 5 * time.Second})
	client := e.staticClient(t, "testid", "testsecret", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Collect(ctx, client, testRequest(normalID))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("err = %v after %s, want the context's deadline promptly", err, time.Since(start))
	}
}

func TestCollectBrokenResponses(t *testing.T) {
	e := startWorld(t, baseWorld)
	e.srv.AddFault(emulator.Fault{Action: "DescribeInstances", Kind: "malformed", Count: 1})
	e.srv.AddFault(emulator.Fault{Action: "DescribeApis", Kind: "reset", Count: 1})
	e.srv.AddFault(emulator.Fault{Action: "DescribeGroupQps", Kind: "malformed"})
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(normalID))
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if snap.Source["InstanceId"] != sharedID || len(snap.Backends) != 6 {
		t.Errorf("source %v, %d backends", snap.Source["InstanceId"], len(snap.Backends))
	}
	if e.srv.Calls("DescribeInstances") != 3 || e.srv.Calls("DescribeApis") != 2 {
		t.Errorf("calls: DescribeInstances %d (want 3), DescribeApis %d (want 2)", e.srv.Calls("DescribeInstances"), e.srv.Calls("DescribeApis"))
	}
	if len(snap.CollectionErrors) != 1 || snap.CollectionErrors[0].Code != cloud.CodeMalformedResponse ||
		!strings.Contains(snap.CollectionErrors[0].Message, "gave up after 4 tries") {
		t.Errorf("collectionErrors = %+v", snap.CollectionErrors)
	}
}

func writeCLIConfig(t *testing.T, home, content string) {
	t.Helper()
	dir := filepath.Join(home, ".aliyun")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

const cliConfigJSON = `{
  "current": "default",
  "profiles": [
    {"name": "default", "mode": "AK", "access_key_id": "nosuchid", "access_key_secret": "default-secret-000", "region_id": "cn-shanghai"},
    {"name": "ci", "mode": "AK", "access_key_id": "testid", "access_key_secret": "testsecret", "region_id": "cn-hangzhou"},
    {"name": "sts", "mode": "StsToken", "access_key_id": "stsid", "access_key_secret": "stssecret-abc123", "sts_token": "CAIS-token/with+chars==", "region_id": "cn-hangzhou"},
    {"name": "badsts", "mode": "StsToken", "access_key_id": "stsid", "access_key_secret": "stssecret-abc123", "sts_token": "CAIS-stale-token-999", "region_id": "cn-hangzhou"}
  ]
}`

// chainClient builds a client the way the CLI does: no injected
// credentials, region from the environment or profile.
func (e *env) chainClient(t *testing.T, profile string) (*cloud.Client, error) {
	t.Helper()
	return cloud.NewClient(cloud.ClientOptions{Profile: profile, Endpoint: e.url})
}

func TestCredentialChainProfiles(t *testing.T) {
	e := startWorld(t, baseWorld)
	for _, tc := range []struct {
		name, profile, envProfile string
		wantRegion                string
		wantCode                  string
		wantSource                string
	}{
		{name: "explicit non-current AK profile", profile: "ci", wantRegion: "cn-hangzhou",
			wantSource: `profile "ci" in ~/.aliyun/config.json`},
		{name: "ALIBABA_CLOUD_PROFILE", envProfile: "ci", wantRegion: "cn-hangzhou",
			wantSource: `profile "ci" in ~/.aliyun/config.json`},
		{name: "StsToken profile", profile: "sts", wantRegion: "cn-hangzhou",
			wantSource: `profile "sts" in ~/.aliyun/config.json`},
		{name: "current profile has an unknown key", wantRegion: "cn-shanghai", wantCode: "InvalidAccessKeyId.NotFound",
			wantSource: `profile "default" in ~/.aliyun/config.json`},
		{name: "stale STS token", profile: "badsts", wantRegion: "cn-hangzhou", wantCode: "InvalidSecurityToken.MismatchWithAccessKey",
			wantSource: `profile "badsts" in ~/.aliyun/config.json`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := testenv.ClearCloudEnv(t)
			writeCLIConfig(t, home, cliConfigJSON)
			if tc.envProfile != "" {
				t.Setenv("ALIBABA_CLOUD_PROFILE", tc.envProfile)
			}
			client, err := e.chainClient(t, tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			if client.Region() != tc.wantRegion {
				t.Errorf("region = %q, want %q (from the profile)", client.Region(), tc.wantRegion)
			}
			req := testRequest(normalID)
			req.RegionID = testRegion // the emulator's region
			_, err = collect(t, e, client, req)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Collect: %v", err)
				}
			} else {
				var ae *cloud.APIError
				if !errors.As(err, &ae) || ae.Code != tc.wantCode || !ae.IsCredential() {
					t.Fatalf("err = %v, want %s", err, tc.wantCode)
				}
				if !strings.Contains(ae.Hint, tc.wantSource) || !strings.Contains(err.Error(), tc.wantSource) {
					t.Errorf("hint %q does not name %s", ae.Hint, tc.wantSource)
				}
				for _, secret := range []string{"default-secret-000", "stssecret-abc123", "CAIS-stale-token-999", "testsecret"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error leaks a secret: %q", err)
					}
				}
			}
			if got := client.CredentialSource(); got != tc.wantSource {
				t.Errorf("CredentialSource = %q, want %q", got, tc.wantSource)
			}
		})
	}
}

func TestCredentialChainEnvironment(t *testing.T) {
	e := startWorld(t, baseWorld)
	home := testenv.ClearCloudEnv(t)
	writeCLIConfig(t, home, cliConfigJSON) // the environment comes first in the chain
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
	t.Setenv("ALIBABA_CLOUD_REGION_ID", testRegion)
	client, err := e.chainClient(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if client.Region() != testRegion {
		t.Errorf("region = %q: ALIBABA_CLOUD_REGION_ID beats the profile", client.Region())
	}
	if _, err := collect(t, e, client, testRequest(normalID)); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if got := client.CredentialSource(); !strings.HasPrefix(got, "environment variables ALIBABA_CLOUD_ACCESS_KEY_ID") {
		t.Errorf("CredentialSource = %q", got)
	}
}

func TestCredentialChainNothingFound(t *testing.T) {
	e := startWorld(t, baseWorld)
	home := testenv.ClearCloudEnv(t)
	for _, tc := range []struct {
		name, profile, config string
		want                  []string
	}{
		{name: "no config", want: []string{"no credentials found", "~/.aliyun/config.json does not exist", "aliyun configure"}},
		{name: "broken config", config: `{"current": "x", "profiles": [{"name": "x", "access_key_secret": "broken-secret-777"`,
			want: []string{"~/.aliyun/config.json is not valid JSON"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.RemoveAll(filepath.Join(home, ".aliyun"))
			if tc.config != "" {
				writeCLIConfig(t, home, tc.config)
			}
			client, err := cloud.NewClient(cloud.ClientOptions{Profile: tc.profile, Endpoint: e.url, RegionID: testRegion})
			if err != nil {
				t.Fatal(err)
			}
			_, err = collect(t, e, client, testRequest(normalID))
			var ae *cloud.APIError
			if !errors.As(err, &ae) || ae.Code != cloud.CodeNoCredentials || !ae.IsCredential() {
				t.Fatalf("err = %v, want %s", err, cloud.CodeNoCredentials)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "broken-secret-777") || strings.Contains(err.Error(), "default-secret-000") {
				t.Errorf("message leaks a secret: %q", err)
			}
			if got := e.srv.Calls("DescribeApiGroup"); got != 0 {
				t.Errorf("a call was made without credentials (%d)", got)
			}
		})
	}
}

// TestUnknownProfileFirst: an explicit profile that exists nowhere is
// reported when the client is built, before a missing region.
func TestUnknownProfileFirst(t *testing.T) {
	home := testenv.ClearCloudEnv(t)
	writeCLIConfig(t, home, cliConfigJSON)
	_, err := cloud.NewClient(cloud.ClientOptions{Profile: "nope"})
	want := `--profile nope: profile "nope" not found in ~/.aliyun/config.json (profiles there: default, ci, sts, badsts)` +
		` (no credentials file ~/.alibabacloud/credentials either); run 'aliyun configure --profile nope'`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestRegionRequired(t *testing.T) {
	testenv.ClearCloudEnv(t)
	if _, err := cloud.NewClient(cloud.ClientOptions{}); err == nil || !strings.Contains(err.Error(), "--region") {
		t.Errorf("err = %v, want a message naming --region", err)
	}
}

// TestSecretsNeverLeak drives the failure paths with known secrets and
// greps everything produced: errors, progress, snapshots, the emulator log.
func TestSecretsNeverLeak(t *testing.T) {
	const wrongSecret = "WrongSecret-Zq8vX1y2"
	secrets := []string{wrongSecret, "stssecret-abc123", "CAIS-token/with+chars==", "CAIS-stale-token-999", "testsecret",
		emulator.PercentEncode("CAIS-token/with+chars=="), emulator.PercentEncode("CAIS-stale-token-999")}
	e := startWorld(t, baseWorld)
	var produced strings.Builder
	progress := func(s string) { produced.WriteString(s + "\n") }

	run := func(client *cloud.Client, req Request) error {
		req.Progress = progress
		snap, err := collect(t, e, client, req)
		if err != nil {
			fmt.Fprintf(&produced, "%v\n%+v\n%#v\n", err, err, err)
		}
		if snap != nil {
			b, _ := snap.Marshal()
			produced.Write(b)
		}
		return err
	}

	// Wrong secret from the environment.
	testenv.ClearCloudEnv(t)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", wrongSecret)
	client, err := cloud.NewClient(cloud.ClientOptions{Endpoint: e.url, RegionID: testRegion})
	if err != nil {
		t.Fatal(err)
	}
	err = run(client, testRequest(normalID))
	var ae *cloud.APIError
	if !errors.As(err, &ae) || ae.Code != "SignatureDoesNotMatch" {
		t.Fatalf("err = %v, want SignatureDoesNotMatch", err)
	}
	if !strings.Contains(ae.Hint, "environment variables ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET") ||
		!strings.Contains(ae.Hint, "access key ID testid") {
		t.Errorf("hint = %q", ae.Hint)
	}
	if e.srv.Calls("DescribeApiGroup") != 1 {
		t.Errorf("a signature error must not be retried (%d calls)", e.srv.Calls("DescribeApiGroup"))
	}

	// STS token from the environment, then timeouts, resets and broken
	// bodies while it is in use (their messages quote URLs and bodies).
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "stsid")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "stssecret-abc123")
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "CAIS-token/with+chars==")
	e.srv.AddFault(emulator.Fault{Action: "DescribeGroupQps", Latency: 2 * time.Second})
	e.srv.AddFault(emulator.Fault{Action: "DescribeInstanceQps", Kind: "reset"})
	e.srv.AddFault(emulator.Fault{Action: "DescribeApis", Kind: "malformed"})
	client, err = cloud.NewClient(cloud.ClientOptions{Endpoint: e.url, RegionID: testRegion, ReadTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	retry := fastRetry
	retry.MaxAttempts = 2
	req := testRequest(normalID)
	req.Retry = &retry
	if err := run(client, req); err != nil {
		t.Fatalf("Collect with STS: %v", err)
	}
	if !strings.Contains(produced.String(), `"code": "Timeout"`) || !strings.Contains(produced.String(), `"code": "Transport"`) {
		t.Errorf("expected Timeout and Transport collection errors in:\n%s", produced.String())
	}

	// A stale token from a profile.
	home := testenv.ClearCloudEnv(t)
	writeCLIConfig(t, home, cliConfigJSON)
	client, err = cloud.NewClient(cloud.ClientOptions{Endpoint: e.url, Profile: "badsts"})
	if err != nil {
		t.Fatal(err)
	}
	if err := run(client, testRequest(normalID)); err == nil {
		t.Fatal("stale token accepted")
	}

	// The emulator's own log.
	produced.WriteString(e.log.String())
	for _, s := range secrets {
		if strings.Contains(produced.String(), s) {
			t.Errorf("secret %q appears in the output:\n%s", s, produced.String())
		}
	}
}

func TestSplitAddress(t *testing.T) {
	for _, tc := range []struct {
		in, scheme, host, port string
		vars                   []string
	}{
		{"http://10.0.0.1:8080/x", "http", "10.0.0.1", "8080", nil},
		{"https://api.example.com", "https", "api.example.com", "", nil},
		{"HTTP://[2408::1]:81/", "http", "2408::1", "81", nil},
		{"http://#host#:#port#/p", "http", "#host#", "#port#", []string{"#host#", "#port#"}},
		{"http://svc-#env#.example.com", "http", "svc-#env#.example.com", "", []string{"#env#"}},
		{"10.0.0.2:9000", "", "10.0.0.2", "9000", nil},
	} {
		s, h, p, v := splitAddress(tc.in)
		if s != tc.scheme || h != tc.host || p != tc.port || !reflect.DeepEqual(v, tc.vars) {
			t.Errorf("splitAddress(%q) = %q %q %q %q", tc.in, s, h, p, v)
		}
	}
}

func TestQpsPeak(t *testing.T) {
	wrap := func(items ...any) map[string]any {
		return map[string]any{"GroupQps": map[string]any{"MonitorItem": items}}
	}
	item := func(v any) any { return map[string]any{"ItemValue": v} }
	for _, tc := range []struct {
		name string
		body map[string]any
		peak float64
		code string
	}{
		{"numbers and strings", wrap(item(json.Number("12.5")), item(" 99 "), item(""), item(nil), map[string]any{}), 99, ""},
		{"zero is a value", wrap(item("0"), item(json.Number("0"))), 0, ""},
		{"no wrapper", map[string]any{"MonitorItem": []any{item("3000")}}, 0, CodeUnreadableResponse},
		{"renamed wrapper", map[string]any{"GroupQPS": map[string]any{"MonitorItem": []any{item("3000")}}}, 0, CodeUnreadableResponse},
		{"renamed list", map[string]any{"GroupQps": map[string]any{"MonitorItems": []any{item("3000")}}}, 0, CodeUnreadableResponse},
		{"null wrapper", map[string]any{"GroupQps": nil}, 0, CodeUnreadableResponse},
		{"no items", wrap(), 0, CodeNoDataPoints},
		{"all null", wrap(item(nil), item(nil)), 0, CodeNoDataPoints},
		{"array value", wrap(item("10"), item([]any{json.Number("3000")})), 0, CodeUnreadableResponse},
		{"object value", wrap(item(map[string]any{"v": 1})), 0, CodeUnreadableResponse},
		{"text value", wrap(item("n/a")), 0, CodeUnreadableResponse},
		{"infinite value", wrap(item(json.Number("1e400"))), 0, CodeUnreadableResponse},
		{"negative value", wrap(item("-5")), 0, CodeUnreadableResponse},
		{"item not an object", wrap("3000"), 0, CodeUnreadableResponse},
	} {
		p, code, msg := qpsPeak(tc.body, "GroupQps")
		if p != tc.peak || code != tc.code || (code != "" && msg == "") {
			t.Errorf("%s: qpsPeak = %v %q %q, want %v %q", tc.name, p, code, msg, tc.peak, tc.code)
		}
	}
}

func TestCollectVpcAccessByName(t *testing.T) {
	world := strings.Replace(baseWorld, "groupQps:", `vpcAccesses:
  - {Name: orders-slb-acl, VpcId: vpc-9, InstanceId: lb-9, Port: "443", VpcAccessId: va-1}
groupQps:`, 1)
	world = strings.Replace(world, "VpcConfig: {VpcId: vpc-1, InstanceId: lb-1, Port: 8080, Name: orders-slb}", "VpcConfig: {Name: orders-slb-acl}", 1)
	e := startWorld(t, world)
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(normalID))
	if err != nil {
		t.Fatal(err)
	}
	var vpc *snapshot.Backend
	for i := range snap.Backends {
		if snap.Backends[i].APIID == "api-vpc" {
			vpc = &snap.Backends[i]
		}
	}
	if vpc == nil || vpc.Protocol != "VPC" || vpc.VPCAccess["VpcId"] != "vpc-9" || vpc.VPCAccess["InstanceId"] != "lb-9" || vpc.Port != 443 {
		t.Errorf("VPC backend = %+v", vpc)
	}
	if got := e.srv.Calls("DescribeVpcAccesses"); got != 1 {
		t.Errorf("DescribeVpcAccesses calls = %d, want 1", got)
	}
}

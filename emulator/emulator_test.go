package emulator

import (
	"bytes"
	stderrors "errors"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/cloudapi"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

func TestSignatureCheckVector(t *testing.T) {
	params := map[string]string{
		"AccessKeyId": "testid", "Action": "DescribeApiGroup", "Format": "JSON", "GroupId": "abc",
		"RegionId": "cn-hangzhou", "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "nonce1",
		"SignatureType": "", "SignatureVersion": "1.0", "Timestamp": "2024-01-01T00:00:00Z",
		"Version":   "2016-07-14",
		"Signature": "ignored",
	}
	if got, want := Sign("POST", params, "testsecret"), "13OPP/39hp29Nos2bKsj715EeAE="; got != want {
		t.Fatalf("Sign = %q, want %q\nstring to sign: %s", got, want, StringToSign("POST", params))
	}
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"a-b_c.d~e":  "a-b_c.d~e",
		"a b":        "a%20b",
		"a+b*c/d":    "a%2Bb%2Ac%2Fd",
		"2024:00Z":   "2024%3A00Z",
		"[\"sg-1\"]": "%5B%22sg-1%22%5D",
		"中":          "%E4%B8%AD",
	} {
		if got := PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSDKDescribeApiGroup(t *testing.T) {
	_, ts := start(t)
	c := apiClient(t, ts, "testid", "testsecret")
	g := describeGroup(t, c, groupOrders)
	if g.GroupName != "orders" || g.InstanceId != shared || g.InstanceType != "VPC_SHARED" || g.TrafficLimit != 500 || g.Ipv6Status != "UNBIND" {
		t.Errorf("group = %+v", g)
	}
	if len(g.CustomDomains.DomainItem) != 1 || g.CustomDomains.DomainItem[0].DomainName != "api.orders.example.com" {
		t.Errorf("CustomDomains = %+v", g.CustomDomains)
	}
	if g.RequestId == "" {
		t.Error("no RequestId")
	}
	// Loose forms survive the wire: "800" decodes into the SDK's int.
	if p := describeGroup(t, c, groupPayments); p.TrafficLimit != 800 || p.VpcDomain != "9f4b-vpc.alicloudapi.com" {
		t.Errorf("payments TrafficLimit=%d VpcDomain=%q", p.TrafficLimit, p.VpcDomain)
	}

	req := cloudapi.CreateDescribeApiGroupRequest()
	req.Scheme = "http"
	req.GroupId = "00000000000000000000000000000000"
	_, err := c.DescribeApiGroup(req)
	assertServerError(t, err, 404, "NotFoundApiGroup")
}

func TestSDKDescribeInstances(t *testing.T) {
	_, ts := start(t)
	c := apiClient(t, ts, "testid", "testsecret")
	req := cloudapi.CreateDescribeInstancesRequest()
	req.Scheme = "http"
	resp, err := c.DescribeInstances(req)
	if err != nil {
		t.Fatal(err)
	}
	// The cn-shanghai instance is not listed in cn-hangzhou.
	if resp.TotalCount != 3 || len(resp.Instances.InstanceAttribute) != 3 {
		t.Fatalf("TotalCount=%d len=%d, want 3", resp.TotalCount, len(resp.Instances.InstanceAttribute))
	}

	req = cloudapi.CreateDescribeInstancesRequest()
	req.Scheme = "http"
	req.InstanceId = vpcConnect
	resp, err = c.DescribeInstances(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.TotalCount != 1 {
		t.Fatalf("TotalCount = %d, want 1", resp.TotalCount)
	}
	in := resp.Instances.InstanceAttribute[0]
	if in.DedicatedInstanceType != "vpc_connect" || in.ConnectCidrBlocks != `["10.0.0.0/16"]` {
		t.Errorf("instance = %+v", in)
	}
	eni := in.NetworkInterfaceAttributes.NetworkInterfaceAttribute
	if len(eni) != 1 || eni[0].SecurityGroupId != "sg-bp1aaa" || eni[0].CidrBlock != "10.0.250.0/24" || eni[0].ZoneId != "cn-hangzhou-h" {
		t.Errorf("ENIs = %+v", eni)
	}

	req.InstanceId = dedicated
	resp, err = c.DescribeInstances(req)
	if err != nil {
		t.Fatal(err)
	}
	if d := resp.Instances.InstanceAttribute[0]; d.InstanceRpsLimit != 2500 || d.SupportIpv6 || d.VpcEgressAddress != "100.104.218.0/26" {
		t.Errorf("dedicated = %+v", d)
	}

	req.InstanceId = "apigateway-hz-000000000000"
	resp, err = c.DescribeInstances(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.TotalCount != 0 || len(resp.Instances.InstanceAttribute) != 0 {
		t.Errorf("unknown instance: TotalCount=%d", resp.TotalCount)
	}
}

func TestSDKDescribeApisPaging(t *testing.T) {
	_, ts := start(t)
	c := apiClient(t, ts, "testid", "testsecret")
	var names []string
	for page := 1; page <= 2; page++ {
		req := cloudapi.CreateDescribeApisRequest()
		req.Scheme = "http"
		req.GroupId = groupOrders
		req.PageSize = requests.NewInteger(2)
		req.PageNumber = requests.NewInteger(page)
		resp, err := c.DescribeApis(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.TotalCount != 3 || resp.PageNumber != page || resp.PageSize != 2 {
			t.Errorf("page %d: TotalCount=%d PageNumber=%d PageSize=%d", page, resp.TotalCount, resp.PageNumber, resp.PageSize)
		}
		for _, a := range resp.ApiSummarys.ApiSummary {
			names = append(names, a.ApiName)
			if a.GroupId != groupOrders || a.GroupName != "orders" || a.RegionId != "cn-hangzhou" {
				t.Errorf("summary = %+v", a)
			}
			if a.ApiName == "GetOrder" {
				if a.ApiPath != "/orders/[id]" || len(a.DeployedInfos.DeployedInfo) != 2 || a.DeployedInfos.DeployedInfo[0].StageName != "RELEASE" {
					t.Errorf("GetOrder summary = %+v", a)
				}
			}
		}
	}
	if got := strings.Join(names, ","); got != "GetOrder,ListOrders,DeleteOrder" {
		t.Errorf("APIs over two pages = %s", got)
	}

	req := cloudapi.CreateDescribeApisRequest()
	req.Scheme = "http"
	req.GroupId = groupOrders
	req.PageSize = requests.NewInteger(101)
	_, err := c.DescribeApis(req)
	assertServerError(t, err, 400, "InvalidParameter")
}

func TestSDKDescribeDeployedApiAndVpcAccesses(t *testing.T) {
	_, ts := start(t)
	c := apiClient(t, ts, "testid", "testsecret")
	req := cloudapi.CreateDescribeDeployedApiRequest()
	req.Scheme = "http"
	req.GroupId = groupOrders
	req.ApiId = "6c0e2a4b8d1f4e3a9b7c5d1e0f2a4b6c"
	req.StageName = "RELEASE"
	resp, err := c.DescribeDeployedApi(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := resp.ServiceConfig
	if sc.ServiceAddress != "http://10.0.1.5:8080" || sc.ServiceVpcEnable != "TRUE" || sc.VpcConfig.Port != 8080 || sc.VpcConfig.InstanceId != "i-bp1y" {
		t.Errorf("ServiceConfig = %+v", sc)
	}
	if resp.ApiName != "ListOrders" || resp.StageName != "RELEASE" || resp.GroupName != "orders" {
		t.Errorf("deployed = %+v", resp)
	}

	req.StageName = "TEST"
	_, err = c.DescribeDeployedApi(req)
	assertServerError(t, err, 404, "NotFoundDeployedApi")

	va := cloudapi.CreateDescribeVpcAccessesRequest()
	va.Scheme = "http"
	vresp, err := c.DescribeVpcAccesses(va)
	if err != nil {
		t.Fatal(err)
	}
	list := vresp.VpcAccessAttributes.VpcAccessAttribute
	if vresp.TotalCount != 1 || len(list) != 1 || list[0].VpcId != "vpc-bp1x" || list[0].Port != 8080 || list[0].RegionId != "cn-hangzhou" {
		t.Errorf("VpcAccesses = %+v", vresp)
	}
}

func TestSDKDescribeQps(t *testing.T) {
	_, ts := start(t)
	c := apiClient(t, ts, "testid", "testsecret")
	req := cloudapi.CreateDescribeGroupQpsRequest()
	req.Scheme = "http"
	req.GroupId = groupOrders
	req.StageName = "RELEASE"
	req.StartTime = "2026-11-19T00:00:00Z"
	req.EndTime = "2026-11-20T00:00:00Z"
	resp, err := c.DescribeGroupQps(req)
	if err != nil {
		t.Fatal(err)
	}
	items := resp.GroupQps.MonitorItem
	// The 2,900 of 2026-11-18 is outside the window; items come sorted.
	if len(items) != 2 || items[0].ItemTime != "2026-11-19T10:00:00Z" || items[0].ItemValue != "812" || items[1].ItemValue != "700" {
		t.Errorf("GroupQps = %+v", items)
	}

	req.StartTime = "yesterday"
	_, err = c.DescribeGroupQps(req)
	assertServerError(t, err, 400, "InvalidParameter")

	iq := cloudapi.CreateDescribeInstanceQpsRequest()
	iq.Scheme = "http"
	iq.InstanceId = dedicated
	iq.StageName = "RELEASE"
	iq.StartTime = "2026-11-13T00:00:00Z"
	iq.EndTime = "2026-11-20T00:00:00Z"
	iresp, err := c.DescribeInstanceQps(iq)
	if err != nil {
		t.Fatal(err)
	}
	if got := iresp.InstanceQps.MonitorItem; len(got) != 1 || got[0].ItemValue != "350" {
		t.Errorf("InstanceQps = %+v", got)
	}
	// Each stage is its own series.
	iq.StageName = "PRE"
	if iresp, err = c.DescribeInstanceQps(iq); err != nil {
		t.Fatal(err)
	} else if got := iresp.InstanceQps.MonitorItem; len(got) != 1 || got[0].ItemValue != "25" {
		t.Errorf("InstanceQps of PRE = %+v", got)
	}
	iq.StageName = "TEST"
	if iresp, err = c.DescribeInstanceQps(iq); err != nil {
		t.Fatal(err)
	} else if got := iresp.InstanceQps.MonitorItem; len(got) != 0 {
		t.Errorf("InstanceQps of TEST = %+v, want none", got)
	}
	req.StartTime = "2026-11-19T00:00:00Z"
	req.StageName = "TEST"
	if resp, err = c.DescribeGroupQps(req); err != nil {
		t.Fatal(err)
	} else if got := resp.GroupQps.MonitorItem; len(got) != 1 || got[0].ItemValue != "40" {
		t.Errorf("GroupQps of TEST = %+v", got)
	}
	// StageName is required on both (the API reference marks it so), and
	// must be a stage.
	// (Fresh requests: the SDK keeps a parameter once sent.)
	noStage := cloudapi.CreateDescribeGroupQpsRequest()
	noStage.Scheme = "http"
	noStage.GroupId, noStage.StartTime, noStage.EndTime = groupOrders, req.StartTime, req.EndTime
	_, err = c.DescribeGroupQps(noStage)
	assertServerError(t, err, 400, "MissingParameter")
	noStageI := cloudapi.CreateDescribeInstanceQpsRequest()
	noStageI.Scheme = "http"
	noStageI.InstanceId, noStageI.StartTime, noStageI.EndTime = dedicated, iq.StartTime, iq.EndTime
	_, err = c.DescribeInstanceQps(noStageI)
	assertServerError(t, err, 400, "MissingParameter")
	iq.StageName = "STAGING"
	_, err = c.DescribeInstanceQps(iq)
	assertServerError(t, err, 400, "InvalidParameter.StageName")
	iq.StageName = "RELEASE"
	iq.InstanceId = "apigateway-hz-000000000000"
	_, err = c.DescribeInstanceQps(iq)
	assertServerError(t, err, 404, "NotFoundInstance")
}

func TestSDKSecurityGroups(t *testing.T) {
	_, ts := start(t)
	c := ecsClient(t, ts)
	req := ecs.CreateDescribeSecurityGroupAttributeRequest()
	req.Scheme = "http"
	req.SecurityGroupId = "sg-bp1aaa"
	req.Direction = "egress"
	resp, err := c.DescribeSecurityGroupAttribute(req)
	if err != nil {
		t.Fatal(err)
	}
	perms := resp.Permissions.Permission
	if resp.VpcId != "vpc-bp1x" || len(perms) != 2 {
		t.Fatalf("attribute = %+v", resp)
	}
	if perms[1].Policy != "drop" || perms[1].DestCidrIp != "10.0.3.0/24" || perms[1].Priority != "1" || perms[1].PortRange != "8080/8080" {
		t.Errorf("permission = %+v", perms[1])
	}
	req.Direction = "all"
	if resp, err = c.DescribeSecurityGroupAttribute(req); err != nil || len(resp.Permissions.Permission) != 3 {
		t.Errorf("Direction all: err=%v permissions=%d, want 3", err, len(resp.Permissions.Permission))
	}
	req.SecurityGroupId = "sg-bp1nope"
	_, err = c.DescribeSecurityGroupAttribute(req)
	assertServerError(t, err, 404, "InvalidSecurityGroupId.NotFound")

	list := ecs.CreateDescribeSecurityGroupsRequest()
	list.Scheme = "http"
	list.SecurityGroupIds = `["sg-bp1aaa","sg-bp1bbb"]`
	lresp, err := c.DescribeSecurityGroups(list)
	if err != nil {
		t.Fatal(err)
	}
	got := lresp.SecurityGroups.SecurityGroup
	if lresp.TotalCount != 2 || len(got) != 2 || got[0].SecurityGroupType != "enterprise" || got[1].SecurityGroupType != "normal" {
		t.Errorf("SecurityGroups = %+v", lresp)
	}
	list.SecurityGroupIds = `sg-bp1aaa`
	_, err = c.DescribeSecurityGroups(list)
	assertServerError(t, err, 400, "InvalidSecurityGroupIds.Malformed")
}

func TestAuthentication(t *testing.T) {
	var log bytes.Buffer
	srv, ts := start(t, WithLog(&log))

	_, err := apiClient(t, ts, "testid", "wrongsecret").DescribeApiGroup(groupRequest(groupOrders))
	assertServerError(t, err, 400, "SignatureDoesNotMatch")

	_, err = apiClient(t, ts, "nosuchkey", "testsecret").DescribeApiGroup(groupRequest(groupOrders))
	assertServerError(t, err, 404, "InvalidAccessKeyId.NotFound")

	// An STS key must carry its token.
	_, err = apiClient(t, ts, "STS.testsub", "stssecret").DescribeApiGroup(groupRequest(groupOrders))
	assertServerError(t, err, 400, "MissingSecurityToken")
	sts, err := cloudapi.NewClientWithStsToken("cn-hangzhou", "STS.testsub", "stssecret", "tok-123")
	if err != nil {
		t.Fatal(err)
	}
	sts.Domain = host(ts)
	if _, err := sts.DescribeApiGroup(groupRequest(groupOrders)); err != nil {
		t.Errorf("STS with token: %v", err)
	}
	bad, _ := cloudapi.NewClientWithStsToken("cn-hangzhou", "STS.testsub", "stssecret", "tok-999")
	bad.Domain = host(ts)
	_, err = bad.DescribeApiGroup(groupRequest(groupOrders))
	assertServerError(t, err, 400, "InvalidSecurityToken.MismatchWithAccessKey")

	if n := srv.Calls("DescribeApiGroup"); n != 5 {
		t.Errorf("Calls = %d, want 5 (failures count)", n)
	}
	out := log.String()
	if !strings.Contains(out, "action=DescribeApiGroup key=testid status=400 code=SignatureDoesNotMatch") ||
		!strings.Contains(out, "key=STS.testsub status=200 code=-") {
		t.Errorf("log lacks expected lines:\n%s", out)
	}
	for _, secret := range []string{"testsecret", "wrongsecret", "stssecret", "tok-123", "tok-999", "Signature="} {
		if strings.Contains(out, secret) {
			t.Errorf("log leaks %q:\n%s", secret, out)
		}
	}
	if lines := strings.Count(out, "\n"); lines != 5 {
		t.Errorf("log has %d lines, want 5", lines)
	}
}

func groupRequest(id string) *cloudapi.DescribeApiGroupRequest {
	req := cloudapi.CreateDescribeApiGroupRequest()
	req.Scheme = "http"
	req.GroupId = id
	return req
}

func TestProtocolErrors(t *testing.T) {
	_, ts := start(t)
	group := map[string]string{"Action": "DescribeApiGroup", "GroupId": groupOrders}
	with := func(extra map[string]string) map[string]string {
		p := map[string]string{}
		for k, v := range group {
			p[k] = v
		}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}
	tests := []struct {
		name   string
		method string
		params map[string]string
		status int
		code   string
	}{
		{"ok over GET", "GET", group, 200, ""},
		{"unknown action", "POST", with(map[string]string{"Action": "DeleteEverything"}), 404, "InvalidApi.NotFound"},
		{"wrong version", "POST", with(map[string]string{"Version": ECSVersion}), 400, "InvalidVersion"},
		{"missing version", "POST", with(map[string]string{"Version": "<none>"}), 400, "MissingParameter"},
		{"missing GroupId", "POST", with(map[string]string{"GroupId": "<none>"}), 400, "MissingParameter"},
		{"missing timestamp", "POST", with(map[string]string{"Timestamp": "<none>"}), 400, "MissingParameter"},
		{"bad timestamp", "POST", with(map[string]string{"Timestamp": "2024-01-01 00:00"}), 400, "InvalidTimeStamp.Format"},
		{"bad signature method", "POST", with(map[string]string{"SignatureMethod": "HMAC-SHA256"}), 400, "InvalidSignatureMethod"},
		{"signed for GET, sent as POST", "POST", with(map[string]string{"Signature": Sign("GET", group, "testsecret")}), 400, "SignatureDoesNotMatch"},
		{"replayed nonce", "POST", with(map[string]string{"SignatureNonce": "fixed-nonce"}), 200, ""},
		{"replayed nonce again", "POST", with(map[string]string{"SignatureNonce": "fixed-nonce"}), 400, "SignatureNonceUsed"},
		{"modify to the same instance", "POST", map[string]string{"Action": "ModifyApiGroupInstance", "GroupId": groupOrders, "TargetInstanceId": shared}, 400, "InvalidParameter.TargetInstanceId"},
		{"modify to unknown instance", "POST", map[string]string{"Action": "ModifyApiGroupInstance", "GroupId": groupOrders, "TargetInstanceId": "apigateway-hz-000000000000"}, 404, "NotFoundInstance"},
		{"modify to another region", "POST", map[string]string{"Action": "ModifyApiGroupInstance", "GroupId": groupOrders, "TargetInstanceId": "apigateway-sh-000000000001"}, 404, "NotFoundInstance"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := rawCall(t, ts, tc.method, "testsecret", tc.params)
			if status != tc.status {
				t.Fatalf("status = %d, want %d (%v)", status, tc.status, body)
			}
			if tc.code == "" {
				if body["GroupName"] != "orders" || body["RequestId"] == "" {
					t.Errorf("body = %v", body)
				}
				return
			}
			if body["Code"] != tc.code {
				t.Errorf("Code = %v, want %s (%v)", body["Code"], tc.code, body["Message"])
			}
			for _, k := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
				if s, _ := body[k].(string); s == "" {
					t.Errorf("error body lacks %s: %v", k, body)
				}
			}
		})
	}
}

func TestFaultCountThenSuccess(t *testing.T) {
	srv, ts := start(t)
	srv.AddFault(Fault{Action: "DescribeGroupQps", Code: "Throttling.User", Status: 400, Probability: 1, Count: 2})
	c := apiClient(t, ts, "testid", "testsecret")
	req := cloudapi.CreateDescribeGroupQpsRequest()
	req.Scheme = "http"
	req.GroupId = groupOrders
	req.StageName = "RELEASE"
	req.StartTime, req.EndTime = "2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z"
	for i := 0; i < 2; i++ {
		_, err := c.DescribeGroupQps(req)
		assertServerError(t, err, 400, "Throttling.User")
	}
	resp, err := c.DescribeGroupQps(req)
	if err != nil {
		t.Fatalf("third call: %v", err)
	}
	if len(resp.GroupQps.MonitorItem) != 3 {
		t.Errorf("items = %d, want 3", len(resp.GroupQps.MonitorItem))
	}
	if n := srv.Calls("DescribeGroupQps"); n != 3 {
		t.Errorf("Calls = %d, want 3", n)
	}
	// Other actions are untouched.
	describeGroup(t, c, groupOrders)
}

func TestFaultKinds(t *testing.T) {
	srv, ts := start(t)
	c := apiClient(t, ts, "testid", "testsecret")

	srv.AddFault(Fault{Action: "DescribeApiGroup", Kind: KindMalformed, Count: 1})
	_, err := c.DescribeApiGroup(groupRequest(groupOrders))
	if err == nil || !strings.Contains(err.Error(), "JsonUnmarshalError") {
		t.Errorf("malformed body: err = %v, want a JSON unmarshal error", err)
	}

	srv.AddFault(Fault{Action: "*", Status: 503, Count: 1})
	_, err = c.DescribeApiGroup(groupRequest(groupOrders))
	assertServerError(t, err, 503, "ServiceUnavailable")

	srv.AddFault(Fault{Action: "DescribeApiGroup", Code: "Forbidden.RAM", Count: 1})
	_, err = c.DescribeApiGroup(groupRequest(groupOrders))
	assertServerError(t, err, 403, "Forbidden.RAM")

	srv.AddFault(Fault{Action: "DescribeApiGroup", Kind: KindReset, Count: 1})
	_, err = c.DescribeApiGroup(groupRequest(groupOrders))
	var se *errors.ServerError
	if err == nil || stderrors.As(err, &se) {
		t.Errorf("reset: err = %v, want a transport error", err)
	}

	if g := describeGroup(t, c, groupOrders); g.GroupName != "orders" {
		t.Errorf("after faults: %+v", g)
	}
	if n := srv.Calls("DescribeApiGroup"); n != 5 {
		t.Errorf("Calls = %d, want 5", n)
	}
}

func TestFaultLatencyHonoursClientTimeout(t *testing.T) {
	var log bytes.Buffer
	var mu sync.Mutex
	srv, ts := start(t, WithLog(lockedWriter{&mu, &log}))
	srv.AddFault(Fault{Action: "DescribeApiGroup", Latency: 3 * time.Second, Count: 1})
	c := apiClient(t, ts, "testid", "testsecret")
	req := groupRequest(groupOrders)
	req.SetReadTimeout(150 * time.Millisecond)
	began := time.Now()
	_, err := c.DescribeApiGroup(req)
	if err == nil {
		t.Fatal("want a timeout error")
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("client waited %v; the timeout is 150ms", took)
	}
	// The handler gives up when the client leaves, well before 3s.
	deadline := time.Now().Add(2 * time.Second)
	for {
		mu.Lock()
		gone := strings.Contains(log.String(), "code=ClientGone")
		mu.Unlock()
		if gone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("handler did not notice the client leaving; log:\n%s", log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A latency-only fault then serves the request normally.
	srv.AddFault(Fault{Action: "DescribeApiGroup", Latency: 50 * time.Millisecond, Count: 1})
	began = time.Now()
	if g := describeGroup(t, c, groupOrders); g.GroupName != "orders" {
		t.Errorf("group = %+v", g)
	}
	if took := time.Since(began); took < 50*time.Millisecond {
		t.Errorf("latency fault took only %v", took)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	pattern := func(seed int64) string {
		srv, ts := start(t, WithSeed(seed))
		srv.AddFault(Fault{Action: "DescribeApiGroup", Code: "Throttling", Probability: 0.5})
		var b strings.Builder
		for i := 0; i < 24; i++ {
			status, _ := rawCall(t, ts, "POST", "testsecret", map[string]string{"Action": "DescribeApiGroup", "GroupId": groupOrders})
			if status == http.StatusOK {
				b.WriteByte('.')
			} else {
				b.WriteByte('T')
			}
		}
		return b.String()
	}
	a, b := pattern(42), pattern(42)
	if a != b {
		t.Fatalf("same seed, different faults: %s vs %s", a, b)
	}
	if !strings.Contains(a, "T") || !strings.Contains(a, ".") {
		t.Errorf("probability 0.5 gave %s", a)
	}
	if pattern(7) == a {
		t.Logf("seeds 7 and 42 happen to agree: %s", a)
	}
}

func TestModifyApiGroupInstanceSuccess(t *testing.T) {
	srv, ts := start(t)
	c := apiClient(t, ts, "testid", "testsecret")
	if err := modifyInstance(c, groupOrders, dedicated); err != nil {
		t.Fatal(err)
	}
	if g := srv.Group(groupOrders); g["MigrationStatus"] != "Running" || g["InstanceId"] != shared {
		t.Fatalf("after Modify: %v", g)
	}
	err := modifyInstance(c, groupOrders, vpcConnect)
	assertServerError(t, err, 400, "MigrationInProgress")

	// Default: two polls see Running, the third sees the outcome.
	for i := 1; i <= 2; i++ {
		if g := describeGroup(t, c, groupOrders); g.MigrationStatus != "Running" || g.InstanceId != shared {
			t.Fatalf("poll %d: MigrationStatus=%q InstanceId=%q", i, g.MigrationStatus, g.InstanceId)
		}
	}
	g := describeGroup(t, c, groupOrders)
	if g.MigrationStatus != "Success" || g.InstanceId != dedicated || g.InstanceType != "VPC_DEDICATED" || g.DedicatedInstanceType != "normal" || g.MigrationError != "" {
		t.Fatalf("poll 3: %+v", g)
	}
	if g := srv.Group(groupOrders); g["InstanceId"] != dedicated {
		t.Errorf("Group() = %v", g)
	}
	// Group returns a copy.
	srv.Group(groupOrders)["InstanceId"] = "tampered"
	if g := srv.Group(groupOrders); g["InstanceId"] != dedicated {
		t.Errorf("Group() is not a copy: %v", g["InstanceId"])
	}
	if n := srv.Calls("ModifyApiGroupInstance"); n != 2 {
		t.Errorf("Calls(Modify) = %d, want 2", n)
	}
}

func TestModifyApiGroupInstanceFailure(t *testing.T) {
	srv, ts := start(t)
	c := apiClient(t, ts, "testid", "testsecret")
	if err := modifyInstance(c, groupPayments, dedicated); err != nil {
		t.Fatal(err)
	}
	if g := describeGroup(t, c, groupPayments); g.MigrationStatus != "Running" {
		t.Fatalf("poll 1: %q", g.MigrationStatus)
	}
	g := describeGroup(t, c, groupPayments)
	if g.MigrationStatus != "Failed" || g.MigrationError != "target lacks IPv6" || g.InstanceId != shared {
		t.Fatalf("poll 2: %+v", g)
	}
	// A new attempt may start after a failure.
	if err := modifyInstance(c, groupPayments, dedicated); err != nil {
		t.Fatal(err)
	}
	if g := srv.Group(groupPayments); g["MigrationStatus"] != "Running" || g["MigrationError"] != "" {
		t.Errorf("retry: %v", g)
	}
}

func TestConcurrentRequests(t *testing.T) {
	srv, ts := start(t)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		// One client per goroutine: the SDK's Client itself races on its
		// timeout fields when shared (go test -race shows it).
		c := apiClient(t, ts, "testid", "testsecret")
		go func() {
			defer wg.Done()
			if _, err := c.DescribeApiGroup(groupRequest(groupOrders)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := srv.Calls("DescribeApiGroup"); n != 40 {
		t.Errorf("Calls = %d, want 40", n)
	}
}

func TestDemoWorld(t *testing.T) {
	w, err := LoadWorld(filepath.Join("..", "testdata", "worlds", "demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, g := range w.Groups {
		names[g["GroupName"].(string)] = g["GroupId"].(string)
	}
	// Three groups of the migration demo, nine more for the audit demo, two for
	// the second-wave checks.
	if len(names) != 14 || names["orders"] == "" || names["payments"] == "" || names["inventory"] == "" || names["listings"] == "" || names["catalog"] == "" || names["search"] == "" {
		t.Fatalf("groups = %v", names)
	}
	kinds := map[string]string{}
	for _, in := range w.Instances {
		kinds[in["InstanceId"].(string)] = str(in["InstanceType"]) + "/" + str(in["DedicatedInstanceType"])
	}
	if kinds[shared] != "VPC_SHARED/" || kinds[dedicated] != "VPC_DEDICATED/normal" || kinds[vpcConnect] != "VPC_DEDICATED/vpc_connect" {
		t.Errorf("instances = %v", kinds)
	}

	_, ts := startWorld(t, w)
	c, err := cloudapi.NewClientWithAccessKey("cn-hangzhou", "LTAI5tDemoPreflight0001", "demo-secret-not-for-production")
	if err != nil {
		t.Fatal(err)
	}
	c.Domain = host(ts)
	req := cloudapi.CreateDescribeGroupQpsRequest()
	req.Scheme = "http"
	req.GroupId = names["payments"]
	req.StageName = "RELEASE"
	now := time.Now().UTC()
	req.StartTime = now.Add(-7 * 24 * time.Hour).Format("2006-01-02T15:04:05Z")
	req.EndTime = now.Add(time.Minute).Format("2006-01-02T15:04:05Z")
	resp, err := c.DescribeGroupQps(req)
	if err != nil {
		t.Fatal(err)
	}
	peak := "0"
	for _, it := range resp.GroupQps.MonitorItem {
		if len(it.ItemValue) > len(peak) || len(it.ItemValue) == len(peak) && it.ItemValue > peak {
			peak = it.ItemValue
		}
	}
	if peak != "3104" || len(resp.GroupQps.MonitorItem) < 20 {
		t.Errorf("payments over the last 7 days: %d items, peak %s; want peak 3104", len(resp.GroupQps.MonitorItem), peak)
	}

	ir := cloudapi.CreateDescribeInstancesRequest()
	ir.Scheme = "http"
	ir.InstanceId = vpcConnect
	iresp, err := c.DescribeInstances(ir)
	if err != nil || iresp.TotalCount != 1 {
		t.Fatalf("DescribeInstances %s: %v", vpcConnect, err)
	}
	in := iresp.Instances.InstanceAttribute[0]
	if in.InstanceRpsLimit != 5000 || in.ConnectCidrBlocks != `["10.0.0.0/16"]` || len(in.NetworkInterfaceAttributes.NetworkInterfaceAttribute) != 2 {
		t.Errorf("vpc_connect instance = %+v", in)
	}

	e, err := ecs.NewClientWithAccessKey("cn-hangzhou", "LTAI5tDemoPreflight0001", "demo-secret-not-for-production")
	if err != nil {
		t.Fatal(err)
	}
	e.Domain = host(ts)
	types := map[string]string{}
	for _, eni := range in.NetworkInterfaceAttributes.NetworkInterfaceAttribute {
		sr := ecs.CreateDescribeSecurityGroupsRequest()
		sr.Scheme = "http"
		sr.SecurityGroupId = eni.SecurityGroupId
		sresp, err := e.DescribeSecurityGroups(sr)
		if err != nil || sresp.TotalCount != 1 {
			t.Fatalf("DescribeSecurityGroups %s: %v", eni.SecurityGroupId, err)
		}
		types[eni.SecurityGroupId] = sresp.SecurityGroups.SecurityGroup[0].SecurityGroupType
	}
	if types["sg-bp1f6w2k9n3p5r7t0x4a"] != "normal" || types["sg-bp1e8r3t5y7u9i1o3p5q"] != "enterprise" {
		t.Errorf("ENI security group types = %v", types)
	}

	// Every deployed API of the demo answers DescribeDeployedApi with an IP
	// literal, a stage variable or a name bound in its instance's private
	// DNS (which the collector leaves to the gateway), so the demo needs no
	// DNS.
	privateDNS := map[string]bool{}
	for _, g := range w.Groups {
		for _, in := range w.Instances {
			if in["InstanceId"] != g["InstanceId"] {
				continue
			}
			dns, _ := in["PrivateDnsList"].(map[string]any)
			names, _ := dns["PrivateDns"].([]any)
			for _, n := range names {
				privateDNS[g["GroupId"].(string)+"/"+n.(string)] = true
			}
		}
	}
	for _, a := range w.APIs {
		for stage := range a.Deployed {
			dr := cloudapi.CreateDescribeDeployedApiRequest()
			dr.Scheme = "http"
			dr.GroupId, dr.ApiId, dr.StageName = a.GroupID, a.APIID, stage
			d, err := c.DescribeDeployedApi(dr)
			if err != nil {
				t.Fatalf("DescribeDeployedApi %s %s: %v", a.APIName, stage, err)
			}
			addr := d.ServiceConfig.ServiceAddress
			if strings.Contains(addr, "://#") {
				continue // stage variable, reported as unresolved by the collector
			}
			u, err := neturl.Parse(addr)
			if err == nil && privateDNS[a.GroupID+"/"+u.Hostname()] {
				continue
			}
			if err != nil || net.ParseIP(u.Hostname()) == nil {
				t.Errorf("%s %s: ServiceAddress %q is not an IP literal", a.APIName, stage, d.ServiceConfig.ServiceAddress)
			}
		}
	}
}

func TestLoadWorldErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, file, content string
		want                []string
	}{
		{"top-level typo", "w.yaml", "regionId: cn-hangzhou\ncredentials:\n  - {accessKeyId: a, accessKeySecret: b}\ngroupz: []\n",
			[]string{"w.yaml", "line 4", `unknown key "groupz"`}},
		{"nested typo", "w.yaml", "regionId: cn-hangzhou\ncredentials:\n  - accessKeyId: a\n    secret: b\n",
			[]string{"line 4", `unknown key "secret"`}},
		{"fault typo", "w.yaml", "regionId: cn-hangzhou\ncredentials: [{accessKeyId: a, accessKeySecret: b}]\nfaults:\n  - {action: '*', code: Throttling, probabilty: 1}\n",
			[]string{"line 4", `unknown key "probabilty"`}},
		{"api typo", "w.yaml", "regionId: cn-hangzhou\ncredentials: [{accessKeyId: a, accessKeySecret: b}]\ninstances: [{InstanceId: i}]\ngroups: [{GroupId: g, InstanceId: i}]\napis:\n  - GroupId: g\n    ApiId: x\n    deploy: {}\n",
			[]string{"line 8", `unknown key "deploy"`}},
		{"json typo", "w.json", "{\n\t\"regionId\": \"cn-hangzhou\",\n\t\"credentials\": [{\"accessKeyId\": \"a\", \"accessKeySecret\": \"b\"}],\n\t\"instancez\": []\n}\n",
			[]string{"w.json", "line 4", `unknown key "instancez"`}},
		{"json syntax", "w.json", "{\n  \"regionId\": \"cn-hangzhou\",\n  \"credentials\": [,]\n}\n",
			[]string{"line 3", "invalid JSON"}},
		{"dangling group", "w.yaml", "regionId: cn-hangzhou\ncredentials: [{accessKeyId: a, accessKeySecret: b}]\ngroups: [{GroupId: g, InstanceId: nope}]\n",
			[]string{`InstanceId "nope" is not in instances`}},
		{"bad latency", "w.yaml", "regionId: cn-hangzhou\ncredentials: [{accessKeyId: a, accessKeySecret: b}]\nfaults: [{action: '*', latency: soon}]\n",
			[]string{"line 3"}},
		{"bad kind", "w.yaml", "regionId: cn-hangzhou\ncredentials: [{accessKeyId: a, accessKeySecret: b}]\nfaults: [{action: '*', kind: explode}]\n",
			[]string{`faults[0]: kind "explode"`}},
		{"bad stage", "w.yaml", "regionId: cn-hangzhou\ncredentials: [{accessKeyId: a, accessKeySecret: b}]\ninstances: [{InstanceId: i}]\ngroups: [{GroupId: g, InstanceId: i}]\napis: [{GroupId: g, ApiId: x, deployed: {PROD: {}}}]\n",
			[]string{`deployed stage "PROD"`}},
		{"bad item time", "w.yaml", "regionId: cn-hangzhou\ncredentials: [{accessKeyId: a, accessKeySecret: b}]\ninstances: [{InstanceId: i}]\ninstanceQps: {i: [{ItemTime: yesterday, ItemValue: 1}]}\n",
			[]string{`instanceQps[i][0]: ItemTime "yesterday"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadWorld(path)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestLoadWorldJSONAndFaults(t *testing.T) {
	data := []byte(`{
	"regionId": "cn-hangzhou",
	"credentials": [{"accessKeyId": "testid", "accessKeySecret": "testsecret"}],
	"instances": [{"InstanceId": "api-shared-vpc-001", "InstanceRpsLimit": "2500", "SupportIpv6": "true"}],
	"groups": [{"GroupId": "g1", "InstanceId": "api-shared-vpc-001", "TrafficLimit": 500}],
	"faults": [{"action": "DescribeApiGroup", "code": "Throttling", "count": 1, "latency": "20ms"}]
}`)
	w, err := ParseWorld(data, "inline.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Faults; len(got) != 1 || got[0].Latency != 20*time.Millisecond || got[0].Count != 1 || got[0].Code != "Throttling" {
		t.Errorf("faults = %+v", got)
	}
	if w.Instances[0]["InstanceRpsLimit"] != "2500" || w.Groups[0]["TrafficLimit"] != 500 {
		t.Errorf("loose forms changed: %v %v", w.Instances[0]["InstanceRpsLimit"], w.Groups[0]["TrafficLimit"])
	}
	_, ts := startWorld(t, w)
	status, body := rawCall(t, ts, "POST", "testsecret", map[string]string{"Action": "DescribeApiGroup", "GroupId": "g1"})
	if status != 400 || body["Code"] != "Throttling" {
		t.Errorf("world fault: %d %v", status, body)
	}
	if status, _ := rawCall(t, ts, "POST", "testsecret", map[string]string{"Action": "DescribeApiGroup", "GroupId": "g1"}); status != 200 {
		t.Errorf("after count: %d", status)
	}
}

func assertServerError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var se *errors.ServerError
	if !stderrors.As(err, &se) {
		t.Fatalf("err = %v, want a server error %s", err, code)
	}
	if se.ErrorCode() != code || se.HttpStatus() != status {
		t.Fatalf("got %d %s (%s), want %d %s", se.HttpStatus(), se.ErrorCode(), se.Message(), status, code)
	}
}

// DescribeApiGroups lists the region's groups, paged, filtered by ID or a
// name substring.
func TestSDKDescribeApiGroups(t *testing.T) {
	_, ts := start(t)
	c := apiClient(t, ts, "testid", "testsecret")
	list := func(mod func(*cloudapi.DescribeApiGroupsRequest)) *cloudapi.DescribeApiGroupsResponse {
		t.Helper()
		req := cloudapi.CreateDescribeApiGroupsRequest()
		req.Scheme = "http"
		if mod != nil {
			mod(req)
		}
		resp, err := c.DescribeApiGroups(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	all := list(nil)
	if all.TotalCount != 2 || len(all.ApiGroupAttributes.ApiGroupAttribute) != 2 {
		t.Fatalf("TotalCount=%d len=%d, want the 2 groups", all.TotalCount, len(all.ApiGroupAttributes.ApiGroupAttribute))
	}
	g := all.ApiGroupAttributes.ApiGroupAttribute[0]
	if g.GroupId != groupOrders || g.GroupName != "orders" || g.InstanceId == "" || g.RegionId != "cn-hangzhou" {
		t.Errorf("first group %+v", g)
	}
	page2 := list(func(r *cloudapi.DescribeApiGroupsRequest) {
		r.PageSize = requests.NewInteger(1)
		r.PageNumber = requests.NewInteger(2)
	})
	if page2.TotalCount != 2 || len(page2.ApiGroupAttributes.ApiGroupAttribute) != 1 || page2.ApiGroupAttributes.ApiGroupAttribute[0].GroupName != "payments" {
		t.Errorf("page 2 of 1: %+v", page2.ApiGroupAttributes)
	}
	byName := list(func(r *cloudapi.DescribeApiGroupsRequest) { r.GroupName = "pay" })
	if byName.TotalCount != 1 || byName.ApiGroupAttributes.ApiGroupAttribute[0].GroupId != groupPayments {
		t.Errorf("GroupName=pay: %+v", byName.ApiGroupAttributes)
	}
	req := cloudapi.CreateDescribeApiGroupsRequest()
	req.Scheme = "http"
	req.PageSize = requests.NewInteger(51)
	_, err := c.DescribeApiGroups(req)
	assertServerError(t, err, 400, "InvalidParameter")
}

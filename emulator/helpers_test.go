package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/cloudapi"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

const (
	groupOrders   = "523e8dc7bbe04613b5b1d726c2a7889d"
	groupPayments = "9f4b2a61c0d84e7fa35b6c19e2d07f48"
	shared        = "api-shared-vpc-001"
	dedicated     = "apigateway-hz-3f9a1c7e2b84"
	vpcConnect    = "apigateway-hz-8d2e6b1f0c57"
)

const testWorldYAML = `
regionId: cn-hangzhou
credentials:
  - accessKeyId: testid
    accessKeySecret: testsecret
  - accessKeyId: STS.testsub
    accessKeySecret: stssecret
    securityToken: tok-123
instances:
  - {InstanceId: api-shared-vpc-001, InstanceType: VPC_SHARED, RegionId: cn-hangzhou, Status: RUNNING, InstanceRpsLimit: 2500}
  - InstanceId: apigateway-hz-3f9a1c7e2b84
    InstanceType: VPC_DEDICATED
    DedicatedInstanceType: normal
    InstanceSpec: api.s1.small
    InstanceRpsLimit: "2500"
    RegionId: cn-hangzhou
    Status: RUNNING
    VpcEgressAddress: 100.104.218.0/26
    SupportIpv6: "false"
  - InstanceId: apigateway-hz-8d2e6b1f0c57
    InstanceType: VPC_DEDICATED
    DedicatedInstanceType: vpc_connect
    RegionId: cn-hangzhou
    Status: RUNNING
    ConnectCidrBlocks: "[\"10.0.0.0/16\"]"
    NetworkInterfaceAttributes:
      NetworkInterfaceAttribute:
        - {SecurityGroupId: sg-bp1aaa, VswitchId: vsw-bp1aaa, CidrBlock: 10.0.250.0/24, ZoneId: cn-hangzhou-h}
  - {InstanceId: apigateway-sh-000000000001, InstanceType: VPC_DEDICATED, RegionId: cn-shanghai, Status: RUNNING}
groups:
  - GroupId: 523e8dc7bbe04613b5b1d726c2a7889d
    GroupName: orders
    RegionId: cn-hangzhou
    InstanceId: api-shared-vpc-001
    InstanceType: VPC_SHARED
    Status: NORMAL
    TrafficLimit: 500
    Ipv6Status: UNBIND
    CustomDomains:
      DomainItem:
        - {DomainName: api.orders.example.com, CertificateId: cert-1, BindStageName: RELEASE}
  - GroupId: 9f4b2a61c0d84e7fa35b6c19e2d07f48
    GroupName: payments
    InstanceId: api-shared-vpc-001
    InstanceType: VPC_SHARED
    TrafficLimit: "800"
    VpcDomain: 9f4b-vpc.alicloudapi.com
apis:
  - GroupId: 523e8dc7bbe04613b5b1d726c2a7889d
    ApiId: 3b81fd160f5645e097cc8855d75a1cf6
    ApiName: GetOrder
    Visibility: PRIVATE
    ApiPath: /orders/[id]
    deployed:
      RELEASE: {ServiceConfig: {ServiceProtocol: HTTP, ServiceAddress: "http://47.97.3.3:80", ServiceVpcEnable: "FALSE"}}
      TEST: {ServiceConfig: {ServiceProtocol: HTTP, ServiceAddress: "http://47.97.3.4:80", ServiceVpcEnable: "FALSE"}}
  - GroupId: 523e8dc7bbe04613b5b1d726c2a7889d
    ApiId: 6c0e2a4b8d1f4e3a9b7c5d1e0f2a4b6c
    ApiName: ListOrders
    Visibility: PRIVATE
    deployed:
      RELEASE:
        ServiceConfig:
          ServiceProtocol: HTTP
          ServiceAddress: "http://10.0.1.5:8080"
          ServiceVpcEnable: "TRUE"
          VpcConfig: {VpcId: vpc-bp1x, InstanceId: i-bp1y, Port: "8080", Name: orders-core}
  - GroupId: 523e8dc7bbe04613b5b1d726c2a7889d
    ApiId: 9d8c7b6a5f4e4d3c2b1a0f9e8d7c6b5a
    ApiName: DeleteOrder
    Visibility: PUBLIC
  - GroupId: 9f4b2a61c0d84e7fa35b6c19e2d07f48
    ApiId: a4d2f80c19b34e6fb0a7c5e3d1f9b2c8
    ApiName: CapturePayment
vpcAccesses:
  - {VpcId: vpc-bp1x, InstanceId: i-bp1y, Port: 8080, Name: orders-core}
groupQps:
  "523e8dc7bbe04613b5b1d726c2a7889d":
    - {ItemTime: "2026-11-19T12:00:00Z", ItemValue: "700"}
    - {ItemTime: "2026-11-19T10:00:00Z", ItemValue: "812"}
    - {ItemTime: "2026-11-18T10:00:00Z", ItemValue: "2900"}
    - {ItemTime: "2026-11-19T10:00:00Z", ItemValue: "40", stage: TEST}
instanceQps:
  apigateway-hz-3f9a1c7e2b84:
    - {ItemTime: "2026-11-19T10:00:00Z", ItemValue: 350}
    - {ItemTime: "2026-11-19T10:00:00Z", ItemValue: 25, stage: PRE}
securityGroups:
  - SecurityGroupId: sg-bp1aaa
    SecurityGroupName: eni
    SecurityGroupType: enterprise
    RegionId: cn-hangzhou
    VpcId: vpc-bp1x
    Permissions:
      Permission:
        - {Direction: egress, IpProtocol: TCP, PortRange: 8080/8080, Policy: Accept, Priority: "1", DestCidrIp: 10.0.1.0/24}
        - {Direction: egress, IpProtocol: TCP, PortRange: 8080/8080, Policy: drop, Priority: "1", DestCidrIp: 10.0.3.0/24}
        - {Direction: ingress, IpProtocol: TCP, PortRange: 443/443, Policy: Accept, Priority: "1", SourceCidrIp: 0.0.0.0/0}
  - {SecurityGroupId: sg-bp1bbb, SecurityGroupType: normal, RegionId: cn-hangzhou, VpcId: vpc-bp1z}
migrations:
  "9f4b2a61c0d84e7fa35b6c19e2d07f48": {polls: 1, fail: true, error: "target lacks IPv6"}
`

func testWorld(t *testing.T) *World {
	t.Helper()
	w, err := ParseWorld([]byte(testWorldYAML), "test.yaml")
	if err != nil {
		t.Fatalf("ParseWorld: %v", err)
	}
	return w
}

// start serves a fresh emulator of the test world.
func start(t *testing.T, opts ...Option) (*Server, *httptest.Server) {
	t.Helper()
	return startWorld(t, testWorld(t), opts...)
}

// startWorld serves a fresh emulator of w.
func startWorld(t *testing.T, w *World, opts ...Option) (*Server, *httptest.Server) {
	t.Helper()
	t.Setenv("HTTP_PROXY", "")
	t.Setenv("http_proxy", "")
	srv := New(w, opts...)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts
}

func host(ts *httptest.Server) string { return strings.TrimPrefix(ts.URL, "http://") }

func apiClient(t *testing.T, ts *httptest.Server, id, secret string) *cloudapi.Client {
	t.Helper()
	c, err := cloudapi.NewClientWithAccessKey("cn-hangzhou", id, secret)
	if err != nil {
		t.Fatal(err)
	}
	c.Domain = host(ts)
	return c
}

func ecsClient(t *testing.T, ts *httptest.Server) *ecs.Client {
	t.Helper()
	c, err := ecs.NewClientWithAccessKey("cn-hangzhou", "testid", "testsecret")
	if err != nil {
		t.Fatal(err)
	}
	c.Domain = host(ts)
	return c
}

func describeGroup(t *testing.T, c *cloudapi.Client, id string) *cloudapi.DescribeApiGroupResponse {
	t.Helper()
	req := cloudapi.CreateDescribeApiGroupRequest()
	req.Scheme = "http"
	req.GroupId = id
	resp, err := c.DescribeApiGroup(req)
	if err != nil {
		t.Fatalf("DescribeApiGroup %s: %v", id, err)
	}
	return resp
}

func modifyInstance(c *cloudapi.Client, group, target string) error {
	req := requests.NewCommonRequest()
	req.Method = requests.POST
	req.Scheme = "http"
	req.Product = "CloudAPI"
	req.Version = "2016-07-14"
	req.ApiName = "ModifyApiGroupInstance"
	req.QueryParams["GroupId"] = group
	req.QueryParams["TargetInstanceId"] = target
	req.QueryParams["Remark"] = "preflight passed"
	resp, err := c.ProcessCommonRequest(req)
	if err != nil {
		return err
	}
	var body map[string]any
	if err := json.Unmarshal(resp.GetHttpContentBytes(), &body); err != nil {
		return err
	}
	if len(body) != 1 || body["RequestId"] == "" {
		return fmt.Errorf("ModifyApiGroupInstance body %v: want only RequestId", body)
	}
	return nil
}

var nonceSeq atomic.Int64

// rawCall sends a hand-signed RPC request and decodes the JSON answer.
// Parameters whose value is "<none>" are left out.
func rawCall(t *testing.T, ts *httptest.Server, method, secret string, params map[string]string) (int, map[string]any) {
	t.Helper()
	p := map[string]string{
		"Format":           "JSON",
		"Version":          CloudAPIVersion,
		"AccessKeyId":      "testid",
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureVersion": "1.0",
		"SignatureType":    "",
		"SignatureNonce":   fmt.Sprintf("nonce-%d-%d", time.Now().UnixNano(), nonceSeq.Add(1)),
		"Timestamp":        time.Now().UTC().Format("2006-01-02T15:04:05Z"),
		"RegionId":         "cn-hangzhou",
	}
	for k, v := range params {
		p[k] = v
	}
	for k, v := range p {
		if v == "<none>" {
			delete(p, k)
		}
	}
	if _, ok := p["Signature"]; !ok {
		p["Signature"] = Sign(method, p, secret)
	}
	q := url.Values{}
	for k, v := range p {
		q.Set(k, v)
	}
	req, err := http.NewRequest(method, ts.URL+"/?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil {
		t.Fatalf("answer is not JSON: %q", data)
	}
	return resp.StatusCode, body
}

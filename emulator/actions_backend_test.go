package emulator

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/cloudapi"
)

const backendWorld = `
backendServices:
  - BackendId: bk-stock
    BackendName: stock
    BackendType: HTTP
    BackendModels:
      - {StageName: RELEASE, BackendModelId: bm-1, BackendConfig: {Type: HTTP, ServiceAddress: "http://47.97.8.8:8080"}}
      - {StageName: TEST, BackendModelId: bm-2, BackendConfig: {Type: VPC, VpcConfig: {VpcId: vpc-1, InstanceId: i-1, Port: 8081, Name: stock-test}}}
  - {BackendId: bk-sh, BackendName: elsewhere, BackendType: HTTP, RegionId: cn-shanghai}
`

// TestDescribeBackendInfo: the typed SDK response decodes the world's
// backend service, stage by stage; an unknown or other-region ID is
// NotFoundBackend 404, a missing BackendId MissingParameter, and faults
// apply to the action as to any other.
func TestDescribeBackendInfo(t *testing.T) {
	w, err := ParseWorld([]byte(testWorldYAML+backendWorld), "backend.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv, ts := startWorld(t, w)
	c := apiClient(t, ts, "testid", "testsecret")
	read := func(id string) (*cloudapi.DescribeBackendInfoResponse, error) {
		req := cloudapi.CreateDescribeBackendInfoRequest()
		req.Scheme = "http"
		req.BackendId = id
		return c.DescribeBackendInfo(req)
	}
	resp, err := read("bk-stock")
	if err != nil {
		t.Fatal(err)
	}
	info := resp.BackendInfo
	if info.BackendId != "bk-stock" || info.BackendName != "stock" || info.BackendType != "HTTP" || len(info.BackendModels) != 2 {
		t.Fatalf("BackendInfo = %+v", info)
	}
	rel, test := info.BackendModels[0], info.BackendModels[1]
	if rel.StageName != "RELEASE" || rel.BackendConfig.ServiceAddress != "http://47.97.8.8:8080" || rel.BackendConfig.Type != "HTTP" {
		t.Errorf("RELEASE model = %+v", rel)
	}
	if v := test.BackendConfig.VpcConfig; test.StageName != "TEST" || v.VpcId != "vpc-1" || v.InstanceId != "i-1" || v.Port != 8081 || v.Name != "stock-test" {
		t.Errorf("TEST model = %+v", test)
	}
	for _, tc := range []struct{ id, code string }{{"bk-nope", "NotFoundBackend"}, {"bk-sh", "NotFoundBackend"}, {"", "MissingParameter"}} {
		_, err := read(tc.id)
		var se *sdkerrors.ServerError
		if !errors.As(err, &se) || se.ErrorCode() != tc.code {
			t.Errorf("BackendId %q: err = %v, want %s", tc.id, err, tc.code)
		}
	}
	srv.AddFault(Fault{Action: "DescribeBackendInfo", Code: "ServiceUnavailable", Count: 1})
	_, err = read("bk-stock")
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) || se.ErrorCode() != "ServiceUnavailable" || se.HttpStatus() != 503 {
		t.Errorf("fault: err = %v", err)
	}
	if _, err := read("bk-stock"); err != nil {
		t.Errorf("after the fault: %v", err)
	}
	if n := srv.Calls("DescribeBackendInfo"); n != 6 {
		t.Errorf("calls = %d, want 6", n)
	}
}

func TestBackendServicesValidated(t *testing.T) {
	for _, tc := range []struct{ world, want string }{
		{"backendServices:\n  - {BackendName: x}\n", "backendServices[0]: BackendId is required"},
		{"backendServices:\n  - {BackendId: b}\n  - {BackendId: b}\n", `backendServices[1]: BackendId "b" is listed twice`},
		{"backendServices:\n  - {BackendId: b, BackendModels: {StageName: RELEASE}}\n", "backendServices[0] (b): BackendModels: want a list"},
		{"backendServices:\n  - {BackendId: b, BackendModels: [{StageName: PROD}]}\n", `BackendModels[0]: StageName "PROD": want RELEASE, PRE or TEST`},
		{"backendServices:\n  - {BackendId: b, BackendModels: [{StageName: TEST}, {StageName: test}]}\n", "BackendModels[1]: stage TEST is listed twice"},
	} {
		_, err := ParseWorld([]byte(testWorldYAML+tc.world), "w.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.world, err, tc.want)
		}
	}
}

// TestDescribeApiBinding: DescribeApi says that an API is bound to a
// backend service (BackendEnable, BackendConfig, as the SDK decodes them);
// the DescribeApis summary does not.
func TestDescribeApiBinding(t *testing.T) {
	w, err := ParseWorld([]byte(testWorldYAML+backendWorld), "backend.yaml")
	if err != nil {
		t.Fatal(err)
	}
	w.APIs[0].Fields["BackendEnable"] = true
	w.APIs[0].Fields["BackendConfig"] = map[string]any{"BackendId": "bk-stock", "BackendType": "HTTP"}
	_, ts := startWorld(t, w)
	c := apiClient(t, ts, "testid", "testsecret")
	req := cloudapi.CreateDescribeApiRequest()
	req.Scheme = "http"
	req.GroupId = w.APIs[0].GroupID
	req.ApiId = w.APIs[0].APIID
	resp, err := c.DescribeApi(req)
	if err != nil {
		t.Fatal(err)
	}
	if !resp.BackendEnable || resp.BackendConfig.BackendId != "bk-stock" || resp.ApiId != w.APIs[0].APIID {
		t.Errorf("DescribeApi = BackendEnable %v, BackendConfig %+v, ApiId %s", resp.BackendEnable, resp.BackendConfig, resp.ApiId)
	}
	list := cloudapi.CreateDescribeApisRequest()
	list.Scheme = "http"
	list.GroupId = w.APIs[0].GroupID
	apis, err := c.DescribeApis(list)
	if err != nil {
		t.Fatal(err)
	}
	_, raw := rawCall(t, ts, "POST", "testsecret", map[string]string{"Action": "DescribeApis", "GroupId": w.APIs[0].GroupID})
	if len(apis.ApiSummarys.ApiSummary) == 0 || strings.Contains(fmt.Sprint(raw), "BackendEnable") {
		t.Errorf("DescribeApis summary = %v", raw)
	}
	req.ApiId = "api-nope"
	_, err = c.DescribeApi(req)
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) || se.ErrorCode() != "NotFoundApi" {
		t.Errorf("unknown API: %v", err)
	}
}

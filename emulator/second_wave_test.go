package emulator

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/cloudapi"
)

const secondWaveWorld = `
groupPlugins:
  "523e8dc7bbe04613b5b1d726c2a7889d":
    RELEASE:
      - {PluginId: p-route, PluginName: blue-green, PluginType: routing, PluginData: "routes: []"}
      - {PluginId: p-cache, PluginName: cache, PluginType: caching, PluginData: "duration: 60", RegionId: cn-hangzhou}
    TEST:
      - {PluginId: p-ip, PluginName: office, PluginType: ipControl, PluginData: "{}"}
groupVpcWhitelists:
  "523e8dc7bbe04613b5b1d726c2a7889d": "vpc-a,vpc-b"
`

// DescribePluginsByGroup requires GroupId and StageName, serves the stage's
// plug-ins verbatim (RegionId filled in) and pages them.
func TestDescribePluginsByGroup(t *testing.T) {
	w, err := ParseWorld([]byte(testWorldYAML+secondWaveWorld), "second-wave.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, ts := startWorld(t, w)
	call := func(params map[string]string) (int, map[string]any) {
		p := map[string]string{"Action": "DescribePluginsByGroup"}
		for k, v := range params {
			p[k] = v
		}
		return rawCall(t, ts, "POST", "testsecret", p)
	}
	status, body := call(map[string]string{"GroupId": groupOrders})
	if status != 400 || body["Code"] != "MissingParameter" || !strings.Contains(str(body["Message"]), `"StageName"`) {
		t.Errorf("without StageName: %d %v", status, body)
	}
	status, body = call(map[string]string{"StageName": "RELEASE"})
	if status != 400 || body["Code"] != "MissingParameter" || !strings.Contains(str(body["Message"]), `"GroupId"`) {
		t.Errorf("without GroupId: %d %v", status, body)
	}
	status, body = call(map[string]string{"GroupId": groupOrders, "StageName": "PROD"})
	if status != 400 || body["Code"] != "InvalidParameter.StageName" {
		t.Errorf("bad stage: %d %v", status, body)
	}
	status, body = call(map[string]string{"GroupId": "nope", "StageName": "RELEASE"})
	if status != 404 || body["Code"] != "NotFoundApiGroup" {
		t.Errorf("unknown group: %d %v", status, body)
	}
	ids := func(body map[string]any) string {
		var out []string
		plugins, _ := body["Plugins"].(map[string]any)
		list, _ := plugins["PluginAttribute"].([]any)
		for _, p := range list {
			m := p.(map[string]any)
			out = append(out, fmt.Sprintf("%s/%s", m["PluginId"], m["RegionId"]))
		}
		return strings.Join(out, ",")
	}
	status, body = call(map[string]string{"GroupId": groupOrders, "StageName": "RELEASE"})
	if status != 200 || ids(body) != "p-route/cn-hangzhou,p-cache/cn-hangzhou" || fmt.Sprint(body["TotalCount"]) != "2" {
		t.Errorf("RELEASE: %d %v", status, body)
	}
	status, body = call(map[string]string{"GroupId": groupOrders, "StageName": "RELEASE", "PageSize": "1", "PageNumber": "2"})
	if status != 200 || ids(body) != "p-cache/cn-hangzhou" || fmt.Sprint(body["TotalCount"]) != "2" || fmt.Sprint(body["PageNumber"]) != "2" {
		t.Errorf("page 2 of 1: %d %v", status, body)
	}
	status, body = call(map[string]string{"GroupId": groupOrders, "StageName": "PRE"})
	if status != 200 || ids(body) != "" || fmt.Sprint(body["TotalCount"]) != "0" {
		t.Errorf("PRE: %d %v", status, body)
	}
	status, body = call(map[string]string{"GroupId": groupPayments, "StageName": "TEST"})
	if status != 200 || ids(body) != "" {
		t.Errorf("a group without plug-ins: %d %v", status, body)
	}
}

// DescribeApiGroupVpcWhitelist answers through the SDK's typed request.
func TestDescribeApiGroupVpcWhitelist(t *testing.T) {
	w, err := ParseWorld([]byte(testWorldYAML+secondWaveWorld), "second-wave.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, ts := startWorld(t, w)
	c := apiClient(t, ts, "testid", "testsecret")
	for group, want := range map[string]string{groupOrders: "vpc-a,vpc-b", groupPayments: ""} {
		req := cloudapi.CreateDescribeApiGroupVpcWhitelistRequest()
		req.Scheme = "http"
		req.GroupId = group
		resp, err := c.DescribeApiGroupVpcWhitelist(req)
		if err != nil || resp.VpcIds != want || resp.RequestId == "" {
			t.Errorf("%s: %+v %v, want VpcIds %q", group, resp, err, want)
		}
	}
	req := cloudapi.CreateDescribeApiGroupVpcWhitelistRequest()
	req.Scheme = "http"
	_, err = c.DescribeApiGroupVpcWhitelist(req)
	assertServerError(t, err, 400, "MissingParameter")
}

func TestSecondWaveWorldErrors(t *testing.T) {
	for _, c := range []struct{ add, want string }{
		{"groupPlugins:\n  nope:\n    RELEASE: []\n", "groupPlugins[nope]: not a GroupId in groups"},
		{"groupPlugins:\n  \"523e8dc7bbe04613b5b1d726c2a7889d\":\n    PROD: []\n", "groupPlugins[523e8dc7bbe04613b5b1d726c2a7889d][PROD]: want stage RELEASE, PRE or TEST"},
		{"groupPlugins:\n  \"523e8dc7bbe04613b5b1d726c2a7889d\":\n    RELEASE:\n      - {PluginName: x, PluginData: \"\"}\n", "PluginId is required"},
		{"groupPlugins:\n  \"523e8dc7bbe04613b5b1d726c2a7889d\":\n    RELEASE:\n      - {PluginId: x}\n", "PluginData is required"},
		{"groupPlugins:\n  \"523e8dc7bbe04613b5b1d726c2a7889d\":\n    RELEASE:\n      - {PluginId: x, PluginData: a}\n      - {PluginId: x, PluginData: b}\n", `PluginId "x" is bound twice`},
		{"groupVpcWhitelists:\n  nope: vpc-a\n", "groupVpcWhitelists[nope]: not a GroupId in groups"},
	} {
		_, err := ParseWorld([]byte(testWorldYAML+c.add), "w.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.add, err, c.want)
		}
	}
}

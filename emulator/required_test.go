package emulator

import (
	"fmt"
	"strings"
	"testing"
)

// TestEveryServedActionDeclaresItsRequiredParameters: an action without a
// row would accept any request, as the emulator once did for the QPS calls.
func TestEveryServedActionDeclaresItsRequiredParameters(t *testing.T) {
	for _, p := range products {
		for action := range p.actions {
			if _, ok := requiredParams[action]; !ok {
				t.Errorf("%s %s: no requiredParams row", p.name, action)
			}
		}
	}
	// The documented ones, checked by name.
	for action, want := range map[string]string{
		"DescribeGroupQps":       "GroupId,StageName,StartTime,EndTime",
		"DescribeInstanceQps":    "InstanceId,StageName,StartTime,EndTime",
		"DescribePluginsByGroup": "GroupId,StageName",
		"DescribeDeployedApi":    "GroupId,ApiId,StageName",
		"ModifyApiGroupInstance": "GroupId,TargetInstanceId",
	} {
		if got := strings.Join(RequiredParams(action), ","); got != want {
			t.Errorf("RequiredParams(%s) = %s, want %s", action, got, want)
		}
	}
}

// TestMissingRequiredParameter leaves out each required parameter of each
// served action in turn: MissingParameter (400) naming it, in the cloud's
// error shape.
func TestMissingRequiredParameter(t *testing.T) {
	_, ts := start(t)
	for _, p := range products {
		for action := range p.actions {
			req := requiredParams[action]
			for _, leftOut := range req {
				t.Run(action+"/"+leftOut, func(t *testing.T) {
					params := map[string]string{"Action": action, "Version": p.version}
					for _, name := range req {
						if name != leftOut {
							params[name] = "x"
						}
					}
					if leftOut == "RegionId" {
						params["RegionId"] = "<none>"
					}
					status, body := rawCall(t, ts, "POST", "testsecret", params)
					want := fmt.Sprintf("The input parameter %q that is mandatory for processing this request is not supplied.", leftOut)
					if status != 400 || body["Code"] != "MissingParameter" || body["Message"] != want ||
						body["RequestId"] == "" || body["HostId"] == "" || body["Recommend"] == "" {
						t.Errorf("status %d, body %v; want 400 MissingParameter %q", status, body, want)
					}
				})
			}
		}
	}
	// An empty value is as good as absent.
	status, body := rawCall(t, ts, "POST", "testsecret", map[string]string{"Action": "DescribeGroupQps", "GroupId": groupOrders,
		"StageName": "", "StartTime": "2026-11-13T00:00:00Z", "EndTime": "2026-11-20T00:00:00Z"})
	if status != 400 || body["Code"] != "MissingParameter" {
		t.Errorf("empty StageName: %d %v", status, body)
	}
}

// TestUnknownAction: the POP gateway's InvalidApi.NotFound (404), the
// code its message belongs to.
func TestUnknownAction(t *testing.T) {
	_, ts := start(t)
	for _, action := range []string{"DescribePluginsByGroupX", "DeleteEverything"} {
		status, body := rawCall(t, ts, "POST", "testsecret", map[string]string{"Action": action})
		want := fmt.Sprintf("Specified api %q is not found, please check your url and method.", action)
		if status != 404 || body["Code"] != "InvalidApi.NotFound" || body["Message"] != want {
			t.Errorf("%s: status %d, body %v", action, status, body)
		}
	}
}

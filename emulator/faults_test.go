package emulator

import (
	"encoding/json"
	stderrors "errors"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/cloudapi"
)

// rawAnswer sends a hand-signed request and returns the status, the
// Content-Type, the body and the error of reading it.
func rawAnswer(t *testing.T, ts *httptest.Server, params map[string]string) (int, string, []byte, error) {
	t.Helper()
	p := map[string]string{
		"Format": "JSON", "Version": CloudAPIVersion, "AccessKeyId": "testid",
		"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
		"SignatureNonce": fmt.Sprintf("nonce-%d-%d", time.Now().UnixNano(), nonceSeq.Add(1)),
		"Timestamp":      time.Now().UTC().Format("2006-01-02T15:04:05Z"),
	}
	for k, v := range params {
		p[k] = v
	}
	p["Signature"] = Sign("GET", p, "testsecret")
	q := url.Values{}
	for k, v := range p {
		q.Set(k, v)
	}
	resp, err := ts.Client().Get(ts.URL + "/?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), data, err
}

func decodeBody(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("body is not JSON: %v: %.200q", err, data)
	}
	return m
}

func TestFaultCut(t *testing.T) {
	srv, ts := start(t)
	srv.AddFault(Fault{Action: "DescribeApiGroup", Kind: KindCut, Count: 1})
	c := apiClient(t, ts, "testid", "testsecret")
	_, err := c.DescribeApiGroup(groupRequest(groupOrders))
	if !stderrors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("cut body: err = %v (%T), want io.ErrUnexpectedEOF", err, err)
	}
	if g := describeGroup(t, c, groupOrders); g.GroupName != "orders" {
		t.Errorf("after the cut: %+v", g)
	}
}

func TestFaultApplyThenFail(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault Fault
		check func(t *testing.T, err error)
	}{
		{"error", Fault{Code: "InternalError"}, func(t *testing.T, err error) { assertServerError(t, err, 500, "InternalError") }},
		{"cut", Fault{Kind: KindCut}, func(t *testing.T, err error) {
			if !stderrors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("err = %v, want io.ErrUnexpectedEOF", err)
			}
		}},
		{"reset", Fault{Kind: KindReset}, func(t *testing.T, err error) {
			var se *errors.ServerError
			if err == nil || stderrors.As(err, &se) {
				t.Errorf("err = %v, want a transport error", err)
			}
		}},
		{"html", Fault{Kind: KindHTML}, func(t *testing.T, err error) { assertServerError(t, err, 502, "") }},
	} {
		for _, apply := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s apply=%v", tc.name, apply), func(t *testing.T) {
				srv, ts := start(t)
				f := tc.fault
				f.Action, f.Apply, f.Count = "ModifyApiGroupInstance", apply, 1
				srv.AddFault(f)
				c := apiClient(t, ts, "testid", "testsecret")
				tc.check(t, modifyInstance(c, groupOrders, dedicated))
				status := srv.Group(groupOrders)["MigrationStatus"]
				if apply && status != "Running" {
					t.Errorf("apply: MigrationStatus = %v, want Running (the write was carried out)", status)
				}
				if !apply && status == "Running" {
					t.Errorf("no apply: MigrationStatus = %v, want the group unchanged", status)
				}
			})
		}
	}
	// An action that rejects the request answers as usual, apply or not.
	srv, ts := start(t)
	srv.AddFault(Fault{Action: "ModifyApiGroupInstance", Kind: KindCut, Apply: true})
	err := modifyInstance(apiClient(t, ts, "testid", "testsecret"), groupOrders, shared)
	assertServerError(t, err, 400, "InvalidParameter.TargetInstanceId")
}

func TestFaultSlowBody(t *testing.T) {
	srv, ts := start(t)
	srv.AddFault(Fault{Action: "DescribeApiGroup", Kind: KindSlowBody, Latency: 5 * time.Second, Count: 1})
	req := groupRequest(groupOrders)
	req.SetReadTimeout(200 * time.Millisecond)
	c := apiClient(t, ts, "testid", "testsecret")
	_, err := c.DescribeApiGroup(req)
	var se *errors.ServerError
	if err == nil || stderrors.As(err, &se) || !strings.Contains(err.Error(), "reading body") {
		t.Fatalf("slow body: err = %v, want a timeout while reading the body", err)
	}
	// With time to wait, the whole answer arrives.
	srv.AddFault(Fault{Action: "DescribeApiGroup", Kind: KindSlowBody, Latency: 20 * time.Millisecond, Count: 1})
	if g := describeGroup(t, c, groupOrders); g.GroupName != "orders" {
		t.Errorf("slow body, patient client: %+v", g)
	}
	if n := srv.Calls("DescribeApiGroup"); n != 2 {
		t.Errorf("Calls = %d", n)
	}
}

func TestFaultHTML(t *testing.T) {
	srv, ts := start(t)
	srv.AddFault(Fault{Action: "DescribeApiGroup", Kind: KindHTML, Count: 1})
	srv.AddFault(Fault{Action: "DescribeApiGroup", Kind: KindHTML, Status: 504, Count: 1})
	status, ctype, body, err := rawAnswer(t, ts, map[string]string{"Action": "DescribeApiGroup", "GroupId": groupOrders})
	if err != nil || status != 502 || ctype != "text/html" || !strings.Contains(string(body), "<h1>502 Bad Gateway</h1>") {
		t.Errorf("html: %d %q %q %v", status, ctype, body, err)
	}
	status, _, body, _ = rawAnswer(t, ts, map[string]string{"Action": "DescribeApiGroup", "GroupId": groupOrders})
	if status != 504 || !strings.Contains(string(body), "504 Gateway Timeout") {
		t.Errorf("html 504: %d %q", status, body)
	}
}

func TestFaultEcho(t *testing.T) {
	srv, ts := start(t)
	srv.AddFault(Fault{Action: "DescribeApiGroup", Kind: KindEcho, Count: 1})
	srv.AddFault(Fault{Action: "DescribeApiGroup", Kind: KindEcho, Code: "InvalidParameter", Count: 1})
	c, err := cloudapi.NewClientWithStsToken("cn-hangzhou", "STS.testsub", "stssecret", "tok-123")
	if err != nil {
		t.Fatal(err)
	}
	c.Domain = host(ts)
	_, err = c.DescribeApiGroup(groupRequest(groupOrders))
	assertServerError(t, err, 400, "SignatureDoesNotMatch")
	var se *errors.ServerError
	stderrors.As(err, &se)
	msg := se.Message()
	for _, want := range []string{"server string to sign is:POST&%2F&", "SecurityToken%3Dtok-123", "request: ", "SecurityToken=tok-123"} {
		if !strings.Contains(msg, want) {
			t.Errorf("echo message lacks %q: %s", want, msg)
		}
	}
	_, err = c.DescribeApiGroup(groupRequest(groupOrders))
	assertServerError(t, err, 400, "InvalidParameter")
}

func TestFaultLarge(t *testing.T) {
	srv, ts := start(t)
	const size = 3<<20 + 7
	srv.AddFault(Fault{Action: "DescribeApiGroup", Kind: KindLarge, Size: size, Count: 1})
	status, _, body, err := rawAnswer(t, ts, map[string]string{"Action": "DescribeApiGroup", "GroupId": groupOrders})
	if err != nil || status != 200 || len(body) != size {
		t.Fatalf("large: status %d, %d bytes (want %d), %v", status, len(body), size, err)
	}
	if m := decodeBody(t, body); m["RequestId"] == "" || len(m["Padding"].(string)) < size-100 {
		t.Errorf("large body fields: %v", len(m))
	}
}

func TestFaultRepeatPageAndTotalCount(t *testing.T) {
	srv, ts := start(t)
	srv.AddFault(Fault{Action: "DescribeApis", Kind: KindRepeatPage, Count: 2})
	list := func(page string) map[string]any {
		_, _, body, err := rawAnswer(t, ts, map[string]string{"Action": "DescribeApis", "GroupId": groupOrders, "PageSize": "1", "PageNumber": page})
		if err != nil {
			t.Fatal(err)
		}
		return decodeBody(t, body)
	}
	ids := func(m map[string]any) string {
		var out []string
		for _, it := range m["ApiSummarys"].(map[string]any)["ApiSummary"].([]any) {
			out = append(out, it.(map[string]any)["ApiId"].(string))
		}
		return strings.Join(out, ",")
	}
	first := ids(list("1"))
	if again := list("2"); ids(again) != first || again["PageNumber"] != float64(1) {
		t.Errorf("repeat-page: page 2 = %s (PageNumber %v), want page 1 = %s", ids(again), again["PageNumber"], first)
	}
	if third := list("2"); ids(third) == first {
		t.Errorf("after the fault's count page 2 is still page 1: %s", ids(third))
	}
	srv.AddFault(Fault{Action: "DescribeApis", Kind: KindTotalCount, TotalCount: ptr(1), Count: 1})
	m := list("1")
	if m["TotalCount"] != float64(1) || ids(m) != first {
		t.Errorf("total-count: TotalCount %v, items %s", m["TotalCount"], ids(m))
	}
	if m := list("1"); m["TotalCount"] != float64(3) {
		t.Errorf("TotalCount after the fault = %v, want 3", m["TotalCount"])
	}
}

func ptr[T any](v T) *T { return &v }

func TestFaultQpsUnreadable(t *testing.T) {
	params := map[string]string{"Action": "DescribeGroupQps", "GroupId": groupOrders, "StageName": "RELEASE",
		"StartTime": "2026-11-13T00:00:00Z", "EndTime": "2026-11-20T00:00:00Z"}
	for _, tc := range []struct {
		variant string
		check   func(m map[string]any) bool
	}{
		{"no-wrapper", func(m map[string]any) bool { return m["GroupQps"] == nil && len(m["MonitorItem"].([]any)) == 3 }},
		{"renamed", func(m map[string]any) bool { return m["GroupQps"] == nil && m["groupQps"] != nil }},
		{"empty", func(m map[string]any) bool { return len(items(m)) == 0 }},
		{"null", func(m map[string]any) bool {
			return len(items(m)) == 3 && items(m)[0].(map[string]any)["ItemValue"] == nil
		}},
		{"array", func(m map[string]any) bool {
			v, ok := items(m)[0].(map[string]any)["ItemValue"].([]any)
			return ok && len(v) == 1
		}},
		{"text", func(m map[string]any) bool { return items(m)[2].(map[string]any)["ItemValue"] == "n/a" }},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			srv, ts := start(t)
			srv.AddFault(Fault{Action: "DescribeGroupQps", Kind: KindQpsUnreadable, Variant: tc.variant, Count: 1})
			_, _, body, err := rawAnswer(t, ts, params)
			if err != nil {
				t.Fatal(err)
			}
			if m := decodeBody(t, body); !tc.check(m) {
				t.Errorf("answer: %s", body)
			}
			_, _, body, _ = rawAnswer(t, ts, params)
			if m := decodeBody(t, body); len(items(m)) != 3 || items(m)[0].(map[string]any)["ItemValue"] != "2900" {
				t.Errorf("after the fault: %s", body)
			}
		})
	}
}

func items(m map[string]any) []any {
	w, _ := m["GroupQps"].(map[string]any)
	l, _ := w["MonitorItem"].([]any)
	return l
}

func TestFaultValidation(t *testing.T) {
	for _, tc := range []struct {
		f    Fault
		want string
	}{
		{Fault{Action: "*", Kind: KindSlowBody}, "give the stall as latency"},
		{Fault{Action: "*", Kind: KindTotalCount}, "totalCount"},
		{Fault{Action: "*", TotalCount: ptr(3)}, "only for kind"},
		{Fault{Action: "*", Kind: KindQpsUnreadable, Variant: "odd"}, `variant "odd": want one of array, empty, no-wrapper, null, renamed, text`},
		{Fault{Action: "*", Kind: KindLarge}, "size"},
		{Fault{Action: "*", Kind: KindRepeatPage, Apply: true}, "always serves the action"},
		{Fault{Action: "*", Apply: true}, "only adds latency"},
		{Fault{Action: "*", Kind: "explode"}, `"cut", "slow-body"`},
	} {
		err := tc.f.validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("validate(%+v) = %v, want %q", tc.f, err, tc.want)
		}
	}
	w, err := ParseWorld([]byte(`regionId: cn-hangzhou
credentials: [{accessKeyId: a, accessKeySecret: b}]
faults:
  - {action: ModifyApiGroupInstance, kind: cut, apply: true}
  - {action: DescribeApis, kind: total-count, totalCount: 0}
  - {action: DescribeGroupQps, kind: qps-unreadable, variant: "null"}
  - {action: DescribeApiGroup, kind: slow-body, latency: 30s}
  - {action: DescribeInstances, kind: html, status: 502}
  - {action: DescribeApiGroup, kind: large, size: 1048576}
`), "w.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if f := w.Faults; len(f) != 6 || !f[0].Apply || *f[1].TotalCount != 0 || f[2].Variant != "null" || f[3].Latency != 30*time.Second || f[5].Size != 1<<20 {
		t.Errorf("faults = %+v", f)
	}
}

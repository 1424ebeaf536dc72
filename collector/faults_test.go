package collector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/emulator"
	"github.com/apigw-preflight/apigw-preflight/internal/leaktest"
	"github.com/apigw-preflight/apigw-preflight/snapshot"

	"github.com/apigw-preflight/apigw-preflight/internal/testenv"
)

// manyAPIsWorld is baseWorld with n plain HTTP APIs instead of its own.
func manyAPIsWorld(n int) string {
	var b strings.Builder
	b.WriteString(baseWorld[:strings.Index(baseWorld, "apis:")])
	b.WriteString("apis:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {GroupId: %s, ApiId: api-%03d, ApiName: Api%03d, deployed: {RELEASE: {ServiceConfig: {ServiceProtocol: HTTP, ServiceAddress: \"http://10.1.%d.%d:80\"}}}}\n",
			groupID, i, i, i/200, i%200+1)
	}
	b.WriteString(baseWorld[strings.Index(baseWorld, "groupQps:"):])
	return b.String()
}

// errorsOf returns the collectionErrors of call.
func errorsOf(s *snapshot.Snapshot, call string) []snapshot.CollectionError {
	var out []snapshot.CollectionError
	for _, ce := range s.CollectionErrors {
		if ce.Call == call {
			out = append(out, ce)
		}
	}
	return out
}

// mustParse checks that the snapshot is one the loader accepts.
func mustParse(t *testing.T, s *snapshot.Snapshot) {
	t.Helper()
	raw, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.Parse("collected.json", raw); err != nil {
		t.Fatalf("the collected snapshot does not load: %v", err)
	}
}

func TestCollectUnreadableQpsIsACollectionError(t *testing.T) {
	for _, variant := range []string{"no-wrapper", "renamed", "null", "array", "text", "empty"} {
		for _, call := range []string{"DescribeGroupQps", "DescribeInstanceQps"} {
			t.Run(variant+" "+call, func(t *testing.T) {
				e := startWorld(t, baseWorld)
				e.srv.AddFault(emulator.Fault{Action: call, Kind: emulator.KindQpsUnreadable, Variant: variant})
				snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(normalID))
				if err != nil {
					t.Fatal(err)
				}
				want := CodeUnreadableResponse
				if variant == "null" || variant == "empty" {
					want = CodeNoDataPoints
				}
				got := errorsOf(snap, call)
				if len(got) != 1 || got[0].Code != want || !strings.Contains(got[0].Message, "RequestId ") {
					t.Fatalf("collectionErrors = %+v, want one %s entry for %s", snap.CollectionErrors, want, call)
				}
				if len(snap.CollectionErrors) != 1 {
					t.Errorf("other entries: %+v", snap.CollectionErrors)
				}
				load, other := snap.Traffic, snap.DestinationLoad
				if call == "DescribeInstanceQps" {
					load, other = other, load
				}
				if load != nil {
					t.Errorf("%s: load = %+v, want absent: an unreadable reading is not a peak of 0", call, load)
				}
				if other == nil || other.PeakRPS == 0 {
					t.Errorf("the other reading = %+v", other)
				}
				mustParse(t, snap)
			})
		}
	}
}

func TestCollectBodyBrokenOffIsRetried(t *testing.T) {
	e := startWorld(t, baseWorld)
	e.srv.AddFault(emulator.Fault{Action: "DescribeApiGroup", Kind: emulator.KindCut, Count: 2})
	e.srv.AddFault(emulator.Fault{Action: "DescribeInstances", Kind: emulator.KindSlowBody, Latency: 10 * time.Second, Count: 1})
	e.srv.AddFault(emulator.Fault{Action: "DescribeGroupQps", Kind: emulator.KindCut})
	client := e.staticClient(t, "testid", "testsecret", func(o *cloud.ClientOptions) { o.ReadTimeout = 300 * time.Millisecond })
	snap, err := collect(t, e, client, testRequest(normalID))
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if snap.Group["GroupId"] != groupID || snap.Source["InstanceId"] != sharedID {
		t.Errorf("group %v, source %v", snap.Group["GroupId"], snap.Source["InstanceId"])
	}
	if got := e.srv.Calls("DescribeApiGroup"); got != 3 {
		t.Errorf("DescribeApiGroup calls = %d, want 3 (two cut answers retried)", got)
	}
	if got := e.srv.Calls("DescribeInstances"); got != 3 {
		t.Errorf("DescribeInstances calls = %d, want 3 (a stalled body retried, then the destination)", got)
	}
	ce := errorsOf(snap, "DescribeGroupQps")
	if len(ce) != 1 || ce[0].Code != cloud.CodeTransport || !strings.Contains(ce[0].Message, "unexpected EOF") ||
		!strings.Contains(ce[0].Message, "gave up after 4 tries") || e.srv.Calls("DescribeGroupQps") != 4 {
		t.Errorf("collectionErrors = %+v, DescribeGroupQps calls %d", snap.CollectionErrors, e.srv.Calls("DescribeGroupQps"))
	}
}

func TestCallErrorClassification(t *testing.T) {
	group := map[string]string{"GroupId": groupID}
	modify := map[string]string{"GroupId": groupID, "TargetInstanceId": normalID, "Remark": "test"}
	for _, tc := range []struct {
		name      string
		fault     emulator.Fault
		params    map[string]string
		code      string
		kind      cloud.ErrorKind
		retryable bool
	}{
		{"API error", emulator.Fault{Action: "DescribeApiGroup", Code: "Forbidden.RAM"}, group, "Forbidden.RAM", cloud.KindAPI, false},
		{"throttled", emulator.Fault{Action: "DescribeApiGroup", Code: "Throttling.User"}, group, "Throttling.User", cloud.KindAPI, true},
		{"body cut", emulator.Fault{Action: "DescribeApiGroup", Kind: emulator.KindCut}, group, cloud.CodeTransport, cloud.KindAmbiguous, true},
		{"body stalls", emulator.Fault{Action: "DescribeApiGroup", Kind: emulator.KindSlowBody, Latency: 10 * time.Second}, group, cloud.CodeTimeout, cloud.KindAmbiguous, true},
		{"reset", emulator.Fault{Action: "DescribeApiGroup", Kind: emulator.KindReset}, group, cloud.CodeTransport, cloud.KindAmbiguous, true},
		{"HTML 502", emulator.Fault{Action: "DescribeApiGroup", Kind: emulator.KindHTML}, group, "HTTP502", cloud.KindAmbiguous, true},
		{"HTML 404", emulator.Fault{Action: "DescribeApiGroup", Kind: emulator.KindHTML, Status: 404}, group, "HTTP404", cloud.KindAmbiguous, false},
		{"write applied then cut", emulator.Fault{Action: "ModifyApiGroupInstance", Kind: emulator.KindCut, Apply: true}, modify, cloud.CodeTransport, cloud.KindAmbiguous, true},
		{"write applied then 500", emulator.Fault{Action: "ModifyApiGroupInstance", Code: "InternalError", Apply: true}, modify, "InternalError", cloud.KindAPI, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startWorld(t, baseWorld)
			client := e.staticClient(t, "testid", "testsecret", func(o *cloud.ClientOptions) { o.ReadTimeout = 300 * time.Millisecond })
			e.srv.AddFault(tc.fault)
			action := tc.fault.Action
			_, err := client.Call(context.Background(), cloud.ProductCloudAPI, action, tc.params)
			var ae *cloud.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			if ae.Code != tc.code || ae.Call != action || cloud.ClassifyError(err) != tc.kind || cloud.Retryable(err) != tc.retryable ||
				cloud.Ambiguous(err) != (tc.kind == cloud.KindAmbiguous) {
				t.Errorf("err = %v: code %q kind %q retryable %v; want %q %q %v", err, ae.Code, cloud.ClassifyError(err), cloud.Retryable(err), tc.code, tc.kind, tc.retryable)
			}
			if strings.HasPrefix(tc.code, "HTTP") && !strings.Contains(ae.Message, "Bad Gateway without an API error code (text/html)") && tc.code == "HTTP502" {
				t.Errorf("message = %q", ae.Message)
			}
		})
	}
	// Nothing listens: the request never left.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	closed, err := cloud.NewClient(cloud.ClientOptions{RegionID: testRegion, Endpoint: "http://" + addr, Key: &cloud.AccessKey{ID: "testid", Secret: "testsecret"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = closed.Call(context.Background(), cloud.ProductCloudAPI, "DescribeApiGroup", group)
	if cloud.ClassifyError(err) != cloud.KindNotSent || !cloud.Retryable(err) {
		t.Errorf("connection refused: %v, kind %q", err, cloud.ClassifyError(err))
	}
	if cloud.ClassifyError(context.Canceled) != cloud.KindAmbiguous || cloud.ClassifyError(nil) != "" {
		t.Error("context errors are ambiguous, nil has no kind")
	}
	if cloud.ClassifyError(&cloud.APIError{Code: cloud.CodeMalformedResponse}) != cloud.KindAmbiguous || cloud.ClassifyError(&cloud.APIError{Code: "InvalidParameter"}) != cloud.KindAPI {
		t.Error("kinds derived from codes")
	}
}

func TestCallTimeBoundIncludesTheLastTry(t *testing.T) {
	e := startWorld(t, baseWorld)
	// Each try stalls mid-body for longer than the call may take.
	e.srv.AddFault(emulator.Fault{Action: "DescribeGroupQps", Kind: emulator.KindSlowBody, Latency: 20 * time.Second})
	client := e.staticClient(t, "testid", "testsecret", nil) // read timeout 20s
	req := testRequest(normalID)
	retry := fastRetry
	retry.MaxElapsed = 400 * time.Millisecond
	req.Retry = &retry
	snap, err := collect(t, e, client, req)
	if err != nil {
		t.Fatal(err)
	}
	ce := errorsOf(snap, "DescribeGroupQps")
	if len(ce) != 1 || ce[0].Code != cloud.CodeTimeout || !strings.Contains(ce[0].Message, "no answer within 400ms") {
		t.Fatalf("collectionErrors = %+v, want the call abandoned at its time bound", snap.CollectionErrors)
	}
	if snap.Traffic != nil || snap.DestinationLoad == nil {
		t.Errorf("traffic %+v, destination load %+v", snap.Traffic, snap.DestinationLoad)
	}
}

func TestCollectRepeatingPagesStop(t *testing.T) {
	e := startWorld(t, manyAPIsWorld(150))
	e.srv.AddFault(emulator.Fault{Action: "DescribeApis", Kind: emulator.KindRepeatPage})
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(normalID))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.srv.Calls("DescribeApis"); got != 2 {
		t.Errorf("DescribeApis calls = %d, want 2: page 2 repeats page 1", got)
	}
	if got := e.srv.Calls("DescribeDeployedApi"); got != 100 || len(snap.Backends) != 100 {
		t.Errorf("DescribeDeployedApi calls %d, backends %d: want each listed API read once", got, len(snap.Backends))
	}
	ce := errorsOf(snap, "DescribeApis")
	if len(ce) != 1 || ce[0].Code != CodeRepeatedPage || !strings.Contains(ce[0].Message, "page 2 added no API") {
		t.Errorf("collectionErrors = %+v", snap.CollectionErrors)
	}
	mustParse(t, snap)
}

func TestCollectTotalCountMismatch(t *testing.T) {
	for _, total := range []int{50, 500, 0} {
		t.Run(fmt.Sprint(total), func(t *testing.T) {
			e := startWorld(t, manyAPIsWorld(150))
			e.srv.AddFault(emulator.Fault{Action: "DescribeApis", Kind: emulator.KindTotalCount, TotalCount: &total})
			snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(normalID))
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.Backends) != 150 {
				t.Errorf("backends = %d, want all 150 listed", len(snap.Backends))
			}
			ce := errorsOf(snap, "DescribeApis")
			want := fmt.Sprintf("TotalCount says group %s has %d APIs, but 150 were listed", groupID, total)
			if len(ce) != 1 || ce[0].Code != CodeTotalCountMismatch || ce[0].Message != want {
				t.Errorf("collectionErrors = %+v, want %q", snap.CollectionErrors, want)
			}
		})
	}
}

func TestCollectDuplicateAndCappedAPIs(t *testing.T) {
	e := startWorld(t, manyAPIsWorld(150))
	req := testRequest(normalID)
	req.MaxAPIs = 120
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Backends) != 120 || e.srv.Calls("DescribeDeployedApi") != 120 {
		t.Errorf("backends %d, DescribeDeployedApi calls %d, want 120", len(snap.Backends), e.srv.Calls("DescribeDeployedApi"))
	}
	ce := errorsOf(snap, "DescribeApis")
	if len(ce) != 1 || ce[0].Code != CodeTooManyAPIs || !strings.Contains(ce[0].Message, "more than 120 APIs") {
		t.Errorf("collectionErrors = %+v", snap.CollectionErrors)
	}
}

func TestResponseSizeIsBounded(t *testing.T) {
	e := startWorld(t, baseWorld)
	e.srv.AddFault(emulator.Fault{Action: "DescribeGroupQps", Kind: emulator.KindLarge, Size: 8 << 20})
	e.srv.AddFault(emulator.Fault{Action: "DescribeApiGroup", Kind: emulator.KindLarge, Size: 3 << 20, Count: 1})
	client := e.staticClient(t, "testid", "testsecret", func(o *cloud.ClientOptions) { o.MaxResponseBytes = 1 << 20 })
	_, err := collect(t, e, client, testRequest(normalID))
	var ae *cloud.APIError
	if !errors.As(err, &ae) || ae.Code != cloud.CodeResponseTooLarge || ae.Message != "the answer is longer than the 1 MiB accepted" || cloud.Retryable(err) {
		t.Fatalf("essential read of a huge answer: err = %v", err)
	}
	snap, err := collect(t, e, client, testRequest(normalID))
	if err != nil {
		t.Fatal(err)
	}
	ce := errorsOf(snap, "DescribeGroupQps")
	if len(ce) != 1 || ce[0].Code != cloud.CodeResponseTooLarge || e.srv.Calls("DescribeGroupQps") != 1 {
		t.Errorf("collectionErrors = %+v, calls %d", snap.CollectionErrors, e.srv.Calls("DescribeGroupQps"))
	}
	// An announced length over the bound is refused before the body is read.
	e.srv.AddFault(emulator.Fault{Action: "DescribeApiGroup", Kind: emulator.KindSlowBody, Latency: time.Millisecond, Count: 1})
	small := e.staticClient(t, "testid", "testsecret", func(o *cloud.ClientOptions) { o.MaxResponseBytes = 64 })
	_, err = small.Call(context.Background(), cloud.ProductCloudAPI, "DescribeApiGroup", map[string]string{"GroupId": groupID})
	if !errors.As(err, &ae) || ae.Code != cloud.CodeResponseTooLarge || !strings.Contains(ae.Message, "more than the 64 bytes accepted") {
		t.Errorf("announced length: err = %v", err)
	}
}

func TestErrorAnswerWithOddTypesDoesNotCrash(t *testing.T) {
	// Not the emulator (it answers as the cloud does): a hostile server
	// whose error fields have the wrong types, which the SDK asserts.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprint(w, `{"Code": 502, "RequestId": 7, "Message": ["x"]}`)
	}))
	defer hs.Close()
	e := &env{url: hs.URL}
	client := e.staticClient(t, "testid", "testsecret", nil)
	_, err := client.Call(context.Background(), cloud.ProductCloudAPI, "DescribeApiGroup", map[string]string{"GroupId": groupID})
	var ae *cloud.APIError
	if !errors.As(err, &ae) || ae.Code != cloud.CodeMalformedResponse || !cloud.Ambiguous(err) {
		t.Errorf("err = %v", err)
	}
}

func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	testenv.ClearCloudEnv(t)
	for _, tc := range []struct {
		endpoint string
		insecure bool
		ok       bool
	}{
		{"http://127.0.0.1:8080", false, true},
		{"http://127.9.9.9:8080", false, true},
		{"http://[::1]:8080", false, true},
		{"http://localhost:8080", false, true},
		{"https://gw.example.internal", false, true},
		{"http://gw.example.internal:8080", false, false},
		{"http://10.1.2.3", false, false},
		{"http://[::ffff:10.1.2.3]:80", false, false},
		{"http://gw.example.internal:8080", true, true},
	} {
		_, err := cloud.NewClient(cloud.ClientOptions{RegionID: testRegion, Endpoint: tc.endpoint, InsecureEndpoint: tc.insecure})
		if (err == nil) != tc.ok {
			t.Errorf("endpoint %s (insecure %v): err = %v", tc.endpoint, tc.insecure, err)
		}
		if err != nil && !strings.Contains(err.Error(), "--insecure-endpoint") {
			t.Errorf("message does not say how to proceed: %v", err)
		}
	}
}

func TestLongTokenNeverLeaks(t *testing.T) {
	token := leaktest.LongSTSToken(2463534242)
	if len(token) != 1088 {
		t.Fatalf("token length %d", len(token))
	}
	const secret = "LongStsSecret-9fK2mQ7xR4"
	const wrongSecret = "WrongSecret-Zq8vX1y2abc"
	world := strings.Replace(baseWorld, "credentials:\n", fmt.Sprintf("credentials:\n  - {accessKeyId: STS.long, accessKeySecret: %s, securityToken: %q}\n", secret, token), 1)
	e := startWorld(t, world)
	var produced strings.Builder
	run := func(client *cloud.Client, req Request) (*snapshot.Snapshot, error) {
		req.Progress = func(s string) { produced.WriteString(s + "\n") }
		snap, err := collect(t, e, client, req)
		if err != nil {
			fmt.Fprintf(&produced, "%v\n%+v\n%#v\n", err, err, err)
		}
		if snap != nil {
			b, _ := snap.Marshal()
			produced.Write(b)
		}
		return snap, err
	}
	testenv.ClearCloudEnv(t)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.long")
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", token)

	// A wrong secret: the answer quotes the string-to-sign, token included.
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", wrongSecret)
	client, err := cloud.NewClient(cloud.ClientOptions{Endpoint: e.url, RegionID: testRegion})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(client, testRequest(connectID)); err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Fatalf("err = %v, want SignatureDoesNotMatch", err)
	}

	// The right secret, and answers that echo the request, time out while
	// the body is read or break off.
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret)
	e.srv.AddFault(emulator.Fault{Action: "DescribeGroupQps", Kind: emulator.KindEcho, Code: "InvalidParameter"})
	e.srv.AddFault(emulator.Fault{Action: "DescribeInstanceQps", Kind: emulator.KindEcho, Code: "Forbidden.RAM"})
	e.srv.AddFault(emulator.Fault{Action: "DescribeSecurityGroups", Kind: emulator.KindSlowBody, Latency: 5 * time.Second})
	e.srv.AddFault(emulator.Fault{Action: "DescribeSecurityGroupAttribute", Kind: emulator.KindCut})
	e.srv.AddFault(emulator.Fault{Action: "DescribeApis", Kind: emulator.KindHTML})
	client, err = cloud.NewClient(cloud.ClientOptions{Endpoint: e.url, RegionID: testRegion, ReadTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	req := testRequest(connectID)
	retry := fastRetry
	retry.MaxAttempts = 2
	req.Retry = &retry
	snap, err := run(client, req)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	codes := map[string]string{}
	for _, ce := range snap.CollectionErrors {
		codes[ce.Call] = ce.Code
	}
	want := map[string]string{"DescribeGroupQps": "InvalidParameter", "DescribeInstanceQps": "Forbidden.RAM", "DescribeSecurityGroups": cloud.CodeTimeout,
		"DescribeSecurityGroupAttribute": cloud.CodeTransport, "DescribeApis": "HTTP502"}
	for call, code := range want {
		if codes[call] != code {
			t.Errorf("collectionErrors: %s = %q, want %q (all: %+v)", call, codes[call], code, snap.CollectionErrors)
		}
	}
	if ce := errorsOf(snap, "DescribeGroupQps"); len(ce) != 1 || !strings.Contains(ce[0].Message, "SecurityToken%3D[REDACTED]%26SignatureMethod") {
		t.Errorf("the echo was not kept, redacted: %+v", ce)
	}
	produced.WriteString(e.log.String())
	if frag := leaktest.Fragment(produced.String(), token, secret, wrongSecret); frag != "" {
		t.Errorf("secret fragment %q appears in the output:\n%s", frag, produced.String())
	}
}

// TestSDKDebugNeverPrints runs a collection in a child process with
// DEBUG=sdk: the SDK decides at initialisation whether to print every
// signed request, token included, to stdout.
func TestSDKDebugNeverPrints(t *testing.T) {
	if os.Getenv("APIGW_TEST_SDK_DEBUG_CHILD") == "1" {
		e := startWorld(t, baseWorld)
		client := e.staticClient(t, "stsid", "stssecret-abc123", func(o *cloud.ClientOptions) {
			o.Key = &cloud.AccessKey{ID: "stsid", Secret: "stssecret-abc123", SecurityToken: "CAIS-token/with+chars=="}
		})
		if _, err := collect(t, e, client, testRequest(normalID)); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "child collected; DEBUG=%q ignored %v\n", os.Getenv("DEBUG"), cloud.SDKDebugIgnored())
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSDKDebugNeverPrints$", "-test.count=1")
	cmd.Env = append(os.Environ(), "APIGW_TEST_SDK_DEBUG_CHILD=1", "DEBUG=sdk,other")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "child collected") {
		t.Fatalf("the child did not collect: %s", stderr.String())
	}
	out := stdout.String()
	if strings.Contains(out, "> POST") || strings.Contains(out, "SecurityToken") || strings.Contains(out, "CAIS-token") || strings.Contains(out, "< HTTP") {
		t.Errorf("SDK debug output reached stdout:\n%.2000s", out)
	}
	if !strings.Contains(stderr.String(), `DEBUG="other" ignored [sdk]`) {
		t.Errorf("DEBUG not cleaned as expected: %s", stderr.String())
	}
}

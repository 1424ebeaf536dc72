package collector

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/emulator"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// stockRequest collects group stock of the shared CLI world, whose two
// APIs run on the reusable backend service bk-stock (GetStock on RELEASE
// and TEST, PutStock on RELEASE).
func stockRequest(t *testing.T) (*env, Request) {
	t.Helper()
	raw, err := os.ReadFile("../testdata/worlds/cli.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := startWorld(t, string(raw))
	req := testRequest(normalID)
	req.GroupID = "g-stock"
	req.Now = func() time.Time { return time.Now() } // the world's QPS is relative to its start
	return e, req
}

// TestCollectBackendService: an API bound to a backend service gets the
// service's address of each stage, source backend-service, and the service
// is read once for the two APIs and two stages that use it. Their deployed
// answers name no backend and do not say they are bound (as documented),
// so the binding comes from each API's DescribeApi, read once per API.
// (Before, these APIs had no backend at all.)
func TestCollectBackendService(t *testing.T) {
	e, req := stockRequest(t)
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), req)
	if err != nil {
		t.Fatal(err)
	}
	allow := []string{"47.96.0.0/16", "100.104.0.0/16"}
	want := []snapshot.Backend{
		{APIID: "api-stock-get", APIName: "GetStock", Stage: "RELEASE", Protocol: "HTTP", Address: "http://47.97.8.8:8080",
			Host: "47.97.8.8", Port: 8080, IPs: []string{"47.97.8.8"}, Allowlist: allow, Source: SourceBackendService},
		{APIID: "api-stock-get", APIName: "GetStock", Stage: "TEST", Protocol: "HTTP", Address: "http://47.97.8.9:8081",
			Host: "47.97.8.9", Port: 8081, IPs: []string{"47.97.8.9"}, Allowlist: allow, Source: SourceBackendService},
		{APIID: "api-stock-put", APIName: "PutStock", Stage: "RELEASE", Protocol: "HTTP", Address: "http://47.97.8.8:8080",
			Host: "47.97.8.8", Port: 8080, IPs: []string{"47.97.8.8"}, Allowlist: allow, Source: SourceBackendService},
	}
	if !reflect.DeepEqual(snap.Backends, want) {
		t.Errorf("backends:\n%+v\nwant\n%+v", snap.Backends, want)
	}
	if n := e.srv.Calls("DescribeBackendInfo"); n != 1 {
		t.Errorf("DescribeBackendInfo calls = %d, want 1 (one service, read once)", n)
	}
	if n := e.srv.Calls("DescribeApi"); n != 2 {
		t.Errorf("DescribeApi calls = %d, want 2 (one per API, whatever its stages)", n)
	}
	if snap.CollectionErrors != nil {
		t.Errorf("collectionErrors = %+v", snap.CollectionErrors)
	}
	doc := roundTrip(t, snap)
	if bs, _ := doc["backends"].([]any); len(bs) == 0 || bs[0].(map[string]any)["source"] != "backend-service" {
		t.Errorf("written backends %v, want the first with source backend-service", doc["backends"])
	}
	mustParse(t, snap)
}

// TestCollectBackendServiceReadFails: a failed DescribeBackendInfo is one
// collectionErrors entry (MIG015 names the rules it leaves undecided), the
// read is not repeated for the other APIs, and each backend of the service
// is kept, unresolved, so the rules say they could not check it.
func TestCollectBackendServiceReadFails(t *testing.T) {
	t.Run("DescribeApi", func(t *testing.T) {
		// Without the definition the binding is unknown: recorded once
		// per API, and the APIs are reported as before (no ServiceConfig).
		e, req := stockRequest(t)
		e.srv.AddFault(emulator.Fault{Action: "DescribeApi", Code: "Forbidden.RAM"})
		snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), req)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ce := range snap.CollectionErrors {
			got = append(got, ce.Call+" "+ce.Code)
		}
		want := []string{"DescribeApi Forbidden.RAM", "DescribeDeployedApi MissingServiceConfig", "DescribeDeployedApi MissingServiceConfig",
			"DescribeApi Forbidden.RAM", "DescribeDeployedApi MissingServiceConfig"}
		if !reflect.DeepEqual(got, want) || len(snap.Backends) != 0 || e.srv.Calls("DescribeApi") != 2 || e.srv.Calls("DescribeBackendInfo") != 0 {
			t.Errorf("collectionErrors %v, backends %+v, DescribeApi calls %d", got, snap.Backends, e.srv.Calls("DescribeApi"))
		}
	})
	e, req := stockRequest(t)
	e.srv.AddFault(emulator.Fault{Action: "DescribeBackendInfo", Code: "ServiceUnavailable"})
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), req)
	if err != nil {
		t.Fatal(err)
	}
	ce := errorsOf(snap, "DescribeBackendInfo")
	if len(ce) != 1 || ce[0].Code != "ServiceUnavailable" || !strings.Contains(ce[0].Message, "gave up after 4 tries") || len(snap.CollectionErrors) != 1 {
		t.Errorf("collectionErrors = %+v", snap.CollectionErrors)
	}
	if n := e.srv.Calls("DescribeBackendInfo"); n != fastRetry.MaxAttempts {
		t.Errorf("DescribeBackendInfo calls = %d, want %d (one read, retried)", n, fastRetry.MaxAttempts)
	}
	var got []string
	for _, b := range snap.Backends {
		got = append(got, b.Stage+" "+b.APIID+" "+b.Source+": "+b.Unresolved)
	}
	wantLines := []string{
		"RELEASE api-stock-get backend-service: backend service bk-stock could not be read (DescribeBackendInfo failed), so its address on stage RELEASE is unknown",
		"TEST api-stock-get backend-service: backend service bk-stock could not be read (DescribeBackendInfo failed), so its address on stage TEST is unknown",
		"RELEASE api-stock-put backend-service: backend service bk-stock could not be read (DescribeBackendInfo failed), so its address on stage RELEASE is unknown",
	}
	if !reflect.DeepEqual(got, wantLines) {
		t.Errorf("backends:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantLines, "\n"))
	}
}

package collector

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/emulator"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// stagesWorld is baseWorld whose group lists RELEASE, PRE and TEST, with
// traffic on each stage and a TEST-only and a PRE-only backend.
func stagesWorld() string {
	w := strings.Replace(baseWorld, `    CustomDomains:
      DomainItem:
        - {DomainName: api.example.com, CertificateId: cert-1, BindStageName: RELEASE}`, `    CustomDomains:
      DomainItem:
        - {DomainName: api.example.com, CertificateId: cert-1, BindStageName: RELEASE}
    StageItems:
      StageInfo:
        - {StageName: TEST, StageId: s-test}
        - {StageName: RELEASE, StageId: s-release}
        - {StageName: PRE, StageId: s-pre}`, 1)
	w = strings.Replace(w, `      RELEASE: {ServiceConfig: {ServiceProtocol: HTTP, ServiceAddress: "http://47.97.3.3:8080", ServiceVpcEnable: "FALSE"}}`,
		`      RELEASE: {ServiceConfig: {ServiceProtocol: HTTP, ServiceAddress: "http://47.97.3.3:8080", ServiceVpcEnable: "FALSE"}}
      TEST: {ServiceConfig: {ServiceProtocol: HTTP, ServiceAddress: "http://47.97.21.9:8080"}}`, 1)
	w = strings.Replace(w, `    - {ItemTime: "2026-11-19T11:00:00Z", ItemValue: ""}`, `    - {ItemTime: "2026-11-19T11:00:00Z", ItemValue: ""}
    - {ItemTime: "2026-11-19T09:00:00Z", ItemValue: "150", stage: PRE}
    - {ItemTime: "2026-11-19T10:00:00Z", ItemValue: "700", stage: TEST}`, 1)
	w = strings.Replace(w, `    - {ItemTime: "2026-11-19T08:00:00Z", ItemValue: 1200}`, `    - {ItemTime: "2026-11-19T08:00:00Z", ItemValue: 1200}
    - {ItemTime: "2026-11-19T08:00:00Z", ItemValue: 400, stage: TEST}
    - {ItemTime: "2026-11-18T08:00:00Z", ItemValue: 50, stage: PRE}`, 1)
	return w
}

// TestCollectEveryStage: backends and traffic of every stage the group
// lists, QPS summed per time point; destination load over all three stages.
func TestCollectEveryStage(t *testing.T) {
	e := startWorld(t, stagesWorld())
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(normalID))
	if err != nil {
		t.Fatal(err)
	}
	// 09:00 RELEASE 800 + PRE 150 = 950; 10:00 RELEASE 640 + TEST 700 = 1340.
	want := snapshot.Load{PeakRPS: 1340, From: "2026-11-13T08:00:00Z", To: "2026-11-20T08:00:00Z",
		Stages: map[string]float64{"RELEASE": 800, "PRE": 150, "TEST": 700}}
	if snap.Traffic == nil || !reflect.DeepEqual(*snap.Traffic, want) {
		t.Errorf("traffic = %+v, want %+v", snap.Traffic, want)
	}
	// 2026-11-18 RELEASE 1500 + PRE 50 = 1550; 2026-11-19 1200 + 400 = 1600.
	wantLoad := snapshot.Load{PeakRPS: 1600, From: "2026-11-13T08:00:00Z", To: "2026-11-20T08:00:00Z",
		Stages: map[string]float64{"RELEASE": 1500, "PRE": 50, "TEST": 400}}
	if snap.DestinationLoad == nil || !reflect.DeepEqual(*snap.DestinationLoad, wantLoad) {
		t.Errorf("destinationLoad = %+v, want %+v", snap.DestinationLoad, wantLoad)
	}
	var got []string
	for _, b := range snap.Backends {
		got = append(got, b.Stage+" "+b.APIID+" "+b.Address)
	}
	slices.Sort(got)
	wantBackends := []string{
		"PRE api-preonly http://10.9.9.9",
		"RELEASE api-fc ", "RELEASE api-http http://47.97.3.3:8080", "RELEASE api-https https://backend.example.com/v1",
		"RELEASE api-mock http://127.0.0.1", "RELEASE api-stagevar http://#host#:8080", "RELEASE api-vpc http://orders-slb",
		"TEST api-http http://47.97.21.9:8080",
	}
	if !slices.Equal(got, wantBackends) {
		t.Errorf("backends:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantBackends, "\n"))
	}
	// One read per API and stage; one QPS read per stage.
	if n := e.srv.Calls("DescribeDeployedApi"); n != 7*3 {
		t.Errorf("DescribeDeployedApi calls = %d, want 21", n)
	}
	if g, i := e.srv.Calls("DescribeGroupQps"), e.srv.Calls("DescribeInstanceQps"); g != 3 || i != 3 {
		t.Errorf("QPS calls: group %d, instance %d; want 3 and 3", g, i)
	}
	if snap.CollectionErrors != nil {
		t.Errorf("collectionErrors = %+v", snap.CollectionErrors)
	}
	mustParse(t, snap)

	// --stage restricts backends and traffic to one stage (not the
	// destination's load, which counts every stage).
	e = startWorld(t, stagesWorld())
	req := testRequest(normalID)
	req.Stage = "test"
	snap, err = collect(t, e, e.staticClient(t, "testid", "testsecret", nil), req)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Traffic == nil || snap.Traffic.PeakRPS != 700 || snap.Traffic.Stage != "TEST" || len(snap.Backends) != 1 || snap.Backends[0].Stage != "TEST" {
		t.Errorf("--stage TEST: traffic %+v, backends %+v", snap.Traffic, snap.Backends)
	}
	if snap.DestinationLoad == nil || snap.DestinationLoad.PeakRPS != 1600 {
		t.Errorf("--stage TEST: destinationLoad %+v", snap.DestinationLoad)
	}
}

// TestCollectStageReadFailureDropsTheSum: a partial sum would under-state
// the load, so a failed stage leaves the load out (recorded).
func TestCollectStageReadFailureDropsTheSum(t *testing.T) {
	e := startWorld(t, stagesWorld())
	api := &stageFailAPI{API: e.staticClient(t, "testid", "testsecret", nil), action: "DescribeGroupQps", stage: "PRE"}
	snap, err := collectWith(t, api, testRequest(normalID))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Traffic != nil {
		t.Errorf("traffic = %+v, want none: RELEASE and TEST alone under-state it", snap.Traffic)
	}
	if ce := errorsOf(snap, "DescribeGroupQps"); len(ce) != 1 || ce[0].Code != "Forbidden.RAM" {
		t.Errorf("collectionErrors = %+v", snap.CollectionErrors)
	}
	if snap.DestinationLoad == nil || snap.DestinationLoad.PeakRPS != 1600 {
		t.Errorf("destinationLoad = %+v", snap.DestinationLoad)
	}
}

func collectWith(t *testing.T, api cloud.API, req Request) (*snapshot.Snapshot, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return Collect(ctx, api, req)
}

// stageFailAPI refuses action on one stage (every call of action when
// stage is empty).
type stageFailAPI struct {
	cloud.API
	action, stage string
}

func (s *stageFailAPI) Call(ctx context.Context, product, action string, params map[string]string) ([]byte, error) {
	if action == s.action && (s.stage == "" || params["StageName"] == s.stage) {
		return nil, &cloud.APIError{Call: action, Code: "Forbidden.RAM", Message: "not allowed", HTTPStatus: 403}
	}
	return s.API.Call(ctx, product, action, params)
}

// TestCollectPagesAPIsToTotalCount: a short page is not the end while
// TotalCount says more APIs exist.
func TestCollectPagesAPIsToTotalCount(t *testing.T) {
	total := 500
	e := startWorld(t, manyAPIsWorld(150))
	e.srv.AddFault(emulator.Fault{Action: "DescribeApis", Kind: emulator.KindTotalCount, TotalCount: &total})
	snap, err := collect(t, e, e.staticClient(t, "testid", "testsecret", nil), testRequest(normalID))
	if err != nil {
		t.Fatal(err)
	}
	// Pages 1 (100) and 2 (50, short but 150 < 500), then page 3 (empty).
	if n := e.srv.Calls("DescribeApis"); n != 3 {
		t.Errorf("DescribeApis calls = %d, want 3: a short page below TotalCount is not the last", n)
	}
	if len(snap.Backends) != 150 {
		t.Errorf("backends = %d", len(snap.Backends))
	}
	want := fmt.Sprintf("TotalCount says group %s has 500 APIs, but 150 were listed", groupID)
	if ce := errorsOf(snap, "DescribeApis"); len(ce) != 1 || ce[0].Message != want {
		t.Errorf("collectionErrors = %+v", snap.CollectionErrors)
	}
}

func TestGroupStages(t *testing.T) {
	group := func(names ...string) map[string]any {
		var infos []any
		for _, n := range names {
			infos = append(infos, map[string]any{"StageName": n})
		}
		return map[string]any{"StageItems": map[string]any{"StageInfo": infos}}
	}
	for _, tc := range []struct {
		group map[string]any
		want  string
		stage string
	}{
		{map[string]any{}, "RELEASE", ""},
		{group(), "RELEASE", ""},
		{group("TEST", "RELEASE"), "RELEASE,TEST", ""},
		{group("pre", " TEST ", "RELEASE", "RELEASE"), "RELEASE,PRE,TEST", ""},
		{group("STAGING"), "RELEASE", ""},
		{group("RELEASE", "TEST"), "PRE", "PRE"},
	} {
		if got := strings.Join(groupStages(tc.group, tc.stage), ","); got != tc.want {
			t.Errorf("groupStages(%v, %q) = %s, want %s", tc.group, tc.stage, got, tc.want)
		}
	}
}

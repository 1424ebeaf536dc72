package collector

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/cloud/calls"
)

// recordingAPI notes every product and action called through it.
type recordingAPI struct {
	cloud.API
	mu    sync.Mutex
	calls map[string]string // action -> product
}

func (r *recordingAPI) Call(ctx context.Context, product, action string, params map[string]string) ([]byte, error) {
	r.mu.Lock()
	r.calls[action] = product
	r.mu.Unlock()
	return r.API.Call(ctx, product, action, params)
}

// TestCollectMakesOnlyRegisteredCalls: every read of full collections
// (a VPC integration destination, so that the security groups are read,
// a VPC backend known by name only, so that the VPC accesses are, and an
// API on a reusable backend service, so that its definition and the service
// are read) is a
// row of the call registry, under its product; every read the registry
// lists is made (but an audit's listings).
func TestCollectMakesOnlyRegisteredCalls(t *testing.T) {
	world := strings.Replace(baseWorld, "groupQps:", `vpcAccesses:
  - {Name: orders-slb-acl, VpcId: vpc-9, InstanceId: lb-9, Port: "443", VpcAccessId: va-1}
groupQps:`, 1)
	world = strings.Replace(world, "VpcConfig: {VpcId: vpc-1, InstanceId: lb-1, Port: 8080, Name: orders-slb}", "VpcConfig: {Name: orders-slb-acl}", 1)
	world = strings.Replace(world, "apis:\n", `apis:
  - GroupId: `+groupID+`
    ApiId: api-on-service
    ApiName: OnService
    BackendEnable: true
    BackendConfig: {BackendId: bk-1}
    deployed:
      RELEASE: {}
`, 1) + `backendServices:
  - {BackendId: bk-1, BackendType: HTTP, BackendModels: [{StageName: RELEASE, BackendConfig: {Type: HTTP, ServiceAddress: "http://47.97.8.8"}}]}
`
	e := startWorld(t, world)
	rec := &recordingAPI{API: e.staticClient(t, "testid", "testsecret", nil), calls: map[string]string{}}
	if _, err := Collect(context.Background(), rec, testRequest(connectID)); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	var reads []string
	for _, c := range calls.All() {
		if !c.Write && !c.Listing {
			reads = append(reads, c.Action)
		}
	}
	var made []string
	for action, product := range rec.calls {
		made = append(made, action)
		c, ok := calls.Lookup(action)
		if !ok || c.Action != action || c.Product != product || c.Write {
			t.Errorf("%s %s: not a read of the registry (%+v, %v)", product, action, c, ok)
		}
	}
	slices.Sort(reads)
	slices.Sort(made)
	if !slices.Equal(made, reads) {
		t.Errorf("calls made %v, registry reads %v", made, reads)
	}
}

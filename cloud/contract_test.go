package cloud

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/cloud/calls"
	"github.com/apigw-preflight/apigw-preflight/emulator"

	"github.com/apigw-preflight/apigw-preflight/internal/testenv"
)

// TestEmulatorServesEveryRegisteredCall sends each call of the registry,
// through the real SDK and without parameters, to the emulator: it must
// serve the action under the registry's product, answering or asking for
// a missing parameter (which it checks after the signature and the
// action).
func TestEmulatorServesEveryRegisteredCall(t *testing.T) {
	testenv.ClearCloudEnv(t)
	w, err := emulator.ParseWorld([]byte("regionId: cn-hangzhou\ncredentials:\n  - {accessKeyId: testid, accessKeySecret: testsecret}\n"), "contract.yaml")
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(emulator.New(w))
	t.Cleanup(hs.Close)
	c, err := NewClient(ClientOptions{RegionID: "cn-hangzhou", Endpoint: hs.URL, Key: &AccessKey{ID: "testid", Secret: "testsecret"}})
	if err != nil {
		t.Fatal(err)
	}
	all := calls.All()
	if len(all) == 0 {
		t.Fatal("empty registry")
	}
	for _, call := range all {
		_, err := c.Call(context.Background(), call.Product, call.Action, map[string]string{})
		var ae *APIError
		if err != nil && (!errors.As(err, &ae) || ae.Code != "MissingParameter") {
			t.Errorf("%s %s: the emulator does not serve it: %v", call.Product, call.Action, err)
		}
	}
	// The check can fail: an action the registry does not have is refused.
	_, err = c.Call(context.Background(), ProductCloudAPI, "DescribeNothing", map[string]string{})
	if ae, ok := AsAPIError(err); !ok || ae.Code != "InvalidApi.NotFound" || ae.HTTPStatus != 404 {
		t.Errorf("unknown action: %v, want InvalidApi.NotFound (404)", err)
	}
}

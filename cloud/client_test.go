package cloud

import (
	"testing"

	"github.com/apigw-preflight/apigw-preflight/internal/testenv"
)

func TestEndpointOption(t *testing.T) {
	testenv.ClearCloudEnv(t)
	for _, tc := range []struct {
		endpoint, scheme, domain string
		bad                      bool
	}{
		{"", "HTTPS", "", false},
		{"http://127.0.0.1:8080", "HTTP", "127.0.0.1:8080", false},
		{"https://gw.example.internal/", "HTTPS", "gw.example.internal", false},
		{"127.0.0.1:8080", "", "", true},
		{"ftp://x", "", "", true},
		{"http://x/path", "", "", true},
	} {
		c, err := NewClient(ClientOptions{RegionID: "cn-hangzhou", Endpoint: tc.endpoint})
		if tc.bad {
			if err == nil {
				t.Errorf("endpoint %q accepted", tc.endpoint)
			}
			continue
		}
		if err != nil {
			t.Errorf("endpoint %q: %v", tc.endpoint, err)
			continue
		}
		if c.scheme != tc.scheme || c.domain != tc.domain {
			t.Errorf("endpoint %q: scheme %q domain %q", tc.endpoint, c.scheme, c.domain)
		}
	}
}

package cloud

import (
	"os"
	"strings"
	"testing"
)

// clearCloudEnv empties every ALIBABA_CLOUD_* variable, points HOME at a
// fresh directory and keeps the chain off the ECS metadata service.
func clearCloudEnv(t *testing.T) string {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "ALIBABA_CLOUD_") {
			t.Setenv(k, "")
		}
	}
	for _, k := range []string{"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
		"ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_REGION_ID", "ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
		"ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_CREDENTIALS_FILE", "ALIBABA_CLOUD_CREDENTIALS_URI", "ALIBABA_CLOUD_ECS_METADATA"} {
		t.Setenv(k, "")
	}
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	return home
}

func TestEndpointOption(t *testing.T) {
	clearCloudEnv(t)
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

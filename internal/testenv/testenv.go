// Package testenv isolates tests from the machine's Alibaba Cloud
// configuration. It is imported by tests only.
package testenv

import (
	"os"
	"strings"
	"testing"
)

// ClearCloudEnv empties every ALIBABA_CLOUD_* variable, points HOME at a
// fresh directory (returned) and keeps the credential chain off the ECS
// metadata service.
func ClearCloudEnv(t *testing.T) string {
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

package emulator

import (
	"strings"
	"testing"
)

// TestSTS: roles are assumed by the keys they trust or the OIDC token they
// accept; the credentials issued are accepted afterwards, with their token
// only; every authenticated caller is recorded.
func TestSTS(t *testing.T) {
	srv, ts := start(t, WithRole(Role{ARN: "acs:ram::1:role/r", TrustedKeys: []string{"testid"}, OIDCProviderARN: "acs:ram::1:oidc-provider/ci", OIDCToken: "good-token"}))
	sts := map[string]string{"Version": STSVersion, "RoleArn": "acs:ram::1:role/r", "RoleSessionName": "s", "DurationSeconds": "900"}
	with := func(extra map[string]string) map[string]string {
		p := map[string]string{}
		for k, v := range sts {
			p[k] = v
		}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}

	status, body := rawCall(t, ts, "POST", "testsecret", with(map[string]string{"Action": "AssumeRole"}))
	if status != 200 {
		t.Fatalf("AssumeRole: %d %v", status, body)
	}
	cred, _ := body["Credentials"].(map[string]any)
	id, _ := cred["AccessKeyId"].(string)
	secret, _ := cred["AccessKeySecret"].(string)
	token, _ := cred["SecurityToken"].(string)
	if !strings.HasPrefix(id, "STS.") || secret == "" || !strings.HasPrefix(token, "CAIS") || cred["Expiration"] == "" {
		t.Fatalf("credentials = %v", cred)
	}
	// The issued key works with its token, and not without.
	api := map[string]string{"Action": "DescribeInstances", "AccessKeyId": id}
	if status, body := rawCall(t, ts, "POST", secret, map[string]string{"Action": "DescribeInstances", "AccessKeyId": id, "SecurityToken": token}); status != 200 {
		t.Errorf("call with the issued credentials: %d %v", status, body)
	}
	if status, body := rawCall(t, ts, "POST", secret, api); status != 400 || body["Code"] != "MissingSecurityToken" {
		t.Errorf("call without the token: %d %v", status, body)
	}

	for _, tc := range []struct {
		name   string
		params map[string]string
		status int
		code   string
	}{
		{"unknown role", with(map[string]string{"Action": "AssumeRole", "RoleArn": "acs:ram::1:role/other"}), 404, "EntityNotExist.Role"},
		{"untrusted key", with(map[string]string{"Action": "AssumeRole", "AccessKeyId": id, "SecurityToken": token}), 403, "NoPermission"},
		{"short duration", with(map[string]string{"Action": "AssumeRole", "DurationSeconds": "60"}), 400, "InvalidParameter"},
		{"wrong OIDC token", with(map[string]string{"Action": "AssumeRoleWithOIDC", "AccessKeyId": "<none>", "Signature": "<none>",
			"OIDCProviderArn": "acs:ram::1:oidc-provider/ci", "OIDCToken": "bad"}), 400, "AuthenticationFail.OIDCToken.Invalid"},
		{"untrusted OIDC provider", with(map[string]string{"Action": "AssumeRoleWithOIDC", "AccessKeyId": "<none>", "Signature": "<none>",
			"OIDCProviderArn": "acs:ram::1:oidc-provider/other", "OIDCToken": "good-token"}), 404, "EntityNotExist.OIDCProvider"},
	} {
		secret := "testsecret"
		if tc.params["AccessKeyId"] == id {
			secret = cred["AccessKeySecret"].(string)
		}
		if status, body := rawCall(t, ts, "POST", secret, tc.params); status != tc.status || body["Code"] != tc.code {
			t.Errorf("%s: %d %v, want %d %s", tc.name, status, body["Code"], tc.status, tc.code)
		}
	}
	status, body = rawCall(t, ts, "POST", "", with(map[string]string{"Action": "AssumeRoleWithOIDC", "AccessKeyId": "<none>", "Signature": "<none>",
		"OIDCProviderArn": "acs:ram::1:oidc-provider/ci", "OIDCToken": "good-token"}))
	if status != 200 || body["Credentials"] == nil {
		t.Errorf("AssumeRoleWithOIDC: %d %v", status, body)
	}

	ids := srv.Identities()
	if len(ids) == 0 || ids[0] != (Identity{Action: "AssumeRole", AccessKeyID: "testid"}) {
		t.Errorf("first identity = %+v", ids)
	}
	if ids[1] != (Identity{Action: "DescribeInstances", AccessKeyID: id, SecurityToken: token}) {
		t.Errorf("second identity = %+v", ids[1])
	}
}

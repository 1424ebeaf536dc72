package cloud

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigw-preflight/apigw-preflight/emulator"
	"github.com/apigw-preflight/apigw-preflight/internal/leaktest"
	"github.com/apigw-preflight/apigw-preflight/internal/testenv"
)

// Secrets the credential tests hand out; none may ever be shown.
var (
	akSecret   = "ak-secret-Qx81vLm2Zt"
	stsSecret  = "sts-secret-Pw93kRn4Yb"
	stsToken   = leaktest.LongSTSToken(15)
	oidcToken  = "eyJhbGciOiJSUzI1NiJ9.oidc-token-Vq27sHn5Xc"
	roleARN    = "acs:ram::1234567890123456:role/preflight"
	oidcARN    = "acs:ram::1234567890123456:oidc-provider/ci"
	allSecrets = []string{akSecret, stsSecret, stsToken, oidcToken}
)

const credWorld = `regionId: cn-hangzhou
credentials:
  - {accessKeyId: akid, accessKeySecret: ak-secret-Qx81vLm2Zt}
`

// credEnv is an emulator serving the cloud API over plain HTTP and its
// STS over HTTPS (credentials-go always calls STS with https), both on
// loopback, with a clean home directory.
type credEnv struct {
	srv    *emulator.Server
	apiURL string
	home   string
	log    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newCredEnv(t *testing.T) *credEnv {
	t.Helper()
	home := testenv.ClearCloudEnv(t)
	w, err := emulator.ParseWorld([]byte(credWorld+"  - {accessKeyId: stsid, accessKeySecret: "+stsSecret+", securityToken: "+stsToken+"}\n"), "creds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	log := &syncBuffer{}
	srv := emulator.New(w, emulator.WithLog(log), emulator.WithRole(emulator.Role{
		ARN: roleARN, TrustedKeys: []string{"akid"}, OIDCProviderARN: oidcARN, OIDCToken: oidcToken,
	}))
	api := httptest.NewServer(srv)
	t.Cleanup(api.Close)
	sts := httptest.NewTLSServer(srv)
	t.Cleanup(sts.Close)
	trustForCredentialsGo(t, sts)
	t.Setenv("ALIBABA_CLOUD_STS_ENDPOINT", sts.Listener.Addr().String())
	return &credEnv{srv: srv, apiURL: api.URL, home: home, log: log}
}

// trustForCredentialsGo makes the HTTPS server's certificate trusted by
// credentials-go, which clones http.DefaultTransport for each request.
func trustForCredentialsGo(t *testing.T, hs *httptest.Server) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	tr := http.DefaultTransport.(*http.Transport)
	old := tr.TLSClientConfig
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	t.Cleanup(func() { tr.TLSClientConfig = old })
}

func (e *credEnv) writeConfig(t *testing.T, profiles ...map[string]any) {
	t.Helper()
	cfg := map[string]any{"current": profiles[0]["name"], "profiles": profiles}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(e.home, ".aliyun", "config.json"), string(b), 0o600)
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// call makes one read through a client built the way the CLI builds it
// and returns the client, everything the tool could show, and the error.
func (e *credEnv) call(t *testing.T, profile string) (*Client, string, error) {
	t.Helper()
	c, err := NewClient(ClientOptions{RegionID: "cn-hangzhou", Profile: profile, Endpoint: e.apiURL})
	if err != nil {
		return nil, err.Error(), err
	}
	_, err = c.Call(context.Background(), ProductCloudAPI, "DescribeInstances", map[string]string{})
	out := fmt.Sprintf("%v\n%+v\n%#v\n%s\n", err, err, err, c.CredentialSource())
	if ae, ok := AsAPIError(err); ok {
		out += ae.Hint + "\n" + ae.Message
	}
	return c, out, err
}

// lastCaller is the identity of the last API call of action.
func (e *credEnv) lastCaller(action string) emulator.Identity {
	var last emulator.Identity
	for _, id := range e.srv.Identities() {
		if id.Action == action {
			last = id
		}
	}
	return last
}

// issued returns the STS credentials the emulator's STS handed out: the
// identities of the calls made with them.
func (e *credEnv) issuedTokens() []string {
	var tokens []string
	for _, id := range e.srv.Identities() {
		if strings.HasPrefix(id.AccessKeyID, "STS.") {
			tokens = append(tokens, id.SecurityToken)
		}
	}
	return tokens
}

// noLeak fails when any piece of a secret, raw or encoded, is in out or
// in the emulator's log.
func (e *credEnv) noLeak(t *testing.T, out string, extra ...string) {
	t.Helper()
	all := out + "\n" + e.log.String()
	if frag := leaktest.Fragment(all, append(append(append([]string{}, allSecrets...), e.issuedTokens()...), extra...)...); frag != "" {
		t.Errorf("secret fragment %q appears in the output:\n%s", frag, all)
	}
}

// TestCredentialModes signs a call with each credential mode that works
// offline and checks the identity the emulator saw, where the tool says
// the credentials came from, and that no secret was shown.
func TestCredentialModes(t *testing.T) {
	akProfile := map[string]any{"name": "ak", "mode": "AK", "access_key_id": "akid", "access_key_secret": akSecret, "region_id": "cn-hangzhou"}
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, e *credEnv)
		profile string
		wantKey string // the access key ID the API call was signed with; "STS." for one the STS issued
		wantSTS bool   // whether it carried a security token
		source  string
		assumed string // the STS action that had to be called first, and by whom
		by      string
	}{
		{name: "environment AK", setup: func(t *testing.T, e *credEnv) {
			t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "akid")
			t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", akSecret)
		}, wantKey: "akid", source: envLabel},
		{name: "environment STS", setup: func(t *testing.T, e *credEnv) {
			t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "stsid")
			t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", stsSecret)
			t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", stsToken)
		}, wantKey: "stsid", wantSTS: true,
			source: "environment variables ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_SECURITY_TOKEN"},
		{name: "AK profile from ALIBABA_CLOUD_CONFIG_FILE", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, akProfile)
			path := filepath.Join(e.home, "elsewhere.json")
			if err := os.Rename(filepath.Join(e.home, ".aliyun", "config.json"), path); err != nil {
				t.Fatal(err)
			}
			t.Setenv("ALIBABA_CLOUD_CONFIG_FILE", path)
		}, wantKey: "akid", source: `profile "ak" in ~/elsewhere.json`},
		{name: "StsToken profile", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, map[string]any{"name": "sts", "mode": "StsToken", "access_key_id": "stsid", "access_key_secret": stsSecret, "sts_token": stsToken})
		}, profile: "sts", wantKey: "stsid", wantSTS: true, source: `profile "sts" in ~/.aliyun/config.json`},
		{name: "External profile", setup: func(t *testing.T, e *credEnv) {
			script := writeCredentialScript(t, e.home, `{"mode": "StsToken", "access_key_id": "stsid", "access_key_secret": "`+stsSecret+`", "sts_token": "`+stsToken+`"}`)
			e.writeConfig(t, map[string]any{"name": "ext", "mode": "External", "process_command": script + " --flag 'quoted arg'"})
		}, profile: "ext", wantKey: "stsid", wantSTS: true, source: `profile "ext" in ~/.aliyun/config.json (mode External)`},
		{name: "CredentialsURI profile", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, map[string]any{"name": "uri", "mode": "CredentialsURI", "credentials_uri": credentialsServer(t) + "/creds"})
		}, profile: "uri", wantKey: "stsid", wantSTS: true, source: `profile "uri" in ~/.aliyun/config.json (mode CredentialsURI)`},
		{name: "ALIBABA_CLOUD_CREDENTIALS_URI", setup: func(t *testing.T, e *credEnv) {
			t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", credentialsServer(t)+"/creds")
		}, wantKey: "stsid", wantSTS: true, source: "ALIBABA_CLOUD_CREDENTIALS_URI"},
		{name: "RamRoleArn profile", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, map[string]any{"name": "role", "mode": "RamRoleArn", "access_key_id": "akid", "access_key_secret": akSecret,
				"ram_role_arn": roleARN, "ram_session_name": "preflight-test", "expired_seconds": 900})
		}, profile: "role", wantKey: "STS.", wantSTS: true, source: `profile "role" in ~/.aliyun/config.json (mode RamRoleArn)`,
			assumed: "AssumeRole", by: "akid"},
		{name: "ChainableRamRoleArn profile", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, map[string]any{"name": "chain", "mode": "ChainableRamRoleArn", "source_profile": "ak",
				"ram_role_arn": roleARN, "ram_session_name": "chained"}, akProfile)
		}, wantKey: "STS.", wantSTS: true, source: `profile "chain" in ~/.aliyun/config.json (mode ChainableRamRoleArn)`,
			assumed: "AssumeRole", by: "akid"},
		{name: "OIDC from the environment", setup: func(t *testing.T, e *credEnv) {
			tokenFile := filepath.Join(e.home, "oidc-token")
			writeFile(t, tokenFile, oidcToken, 0o600)
			t.Setenv("ALIBABA_CLOUD_ROLE_ARN", roleARN)
			t.Setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", oidcARN)
			t.Setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", tokenFile)
			e.writeConfig(t, akProfile) // OIDC comes before the CLI profile
		}, wantKey: "STS.", wantSTS: true, source: "OIDC role (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE)",
			assumed: "AssumeRoleWithOIDC", by: ""},
		{name: "OIDC profile", setup: func(t *testing.T, e *credEnv) {
			tokenFile := filepath.Join(e.home, "oidc-token")
			writeFile(t, tokenFile, oidcToken, 0o600)
			e.writeConfig(t, map[string]any{"name": "oidc", "mode": "OIDC", "ram_role_arn": roleARN, "oidc_provider_arn": oidcARN,
				"oidc_token_file": tokenFile, "ram_session_name": "ci"})
		}, profile: "oidc", wantKey: "STS.", wantSTS: true, source: `profile "oidc" in ~/.aliyun/config.json (mode OIDC)`,
			assumed: "AssumeRoleWithOIDC", by: ""},
		{name: "CloudSSO profile with unexpired STS credentials", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, map[string]any{"name": "sso", "mode": "CloudSSO", "cloud_sso_sign_in_url": "https://signin-example.invalid/device/login",
				"cloud_sso_account_id": "1234567890123456", "cloud_sso_access_config": "ac-xyz", "access_token": "sso-access-token-Hk38",
				"cloud_sso_access_token_expire": time.Now().Add(time.Hour).Unix(),
				"access_key_id":                 "stsid", "access_key_secret": stsSecret, "sts_token": stsToken, "sts_expiration": time.Now().Add(time.Hour).Unix()})
		}, profile: "sso", wantKey: "stsid", wantSTS: true, source: `profile "sso" in ~/.aliyun/config.json (mode CloudSSO)`},
		{name: "OAuth profile with unexpired STS credentials", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, map[string]any{"name": "oauth", "mode": "OAuth", "oauth_site_type": "CN", "oauth_refresh_token": "oauth-refresh-Mn47",
				"access_key_id": "stsid", "access_key_secret": stsSecret, "sts_token": stsToken, "sts_expiration": time.Now().Add(time.Hour).Unix()})
		}, profile: "oauth", wantKey: "stsid", wantSTS: true, source: `profile "oauth" in ~/.aliyun/config.json (mode OAuth)`},
		{name: "ini credentials file", setup: func(t *testing.T, e *credEnv) {
			writeFile(t, filepath.Join(e.home, ".alibabacloud", "credentials"),
				"[default]\ntype = access_key\naccess_key_id = akid\naccess_key_secret = "+akSecret+"\n", 0o600)
		}, wantKey: "akid", source: `profile "default" in the credentials file ~/.alibabacloud/credentials`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newCredEnv(t)
			tc.setup(t, e)
			c, out, err := e.call(t, tc.profile)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			got := e.lastCaller("DescribeInstances")
			if tc.wantKey == "STS." {
				if !strings.HasPrefix(got.AccessKeyID, "STS.") {
					t.Errorf("signed with %q, want credentials the STS issued", got.AccessKeyID)
				}
			} else if got.AccessKeyID != tc.wantKey {
				t.Errorf("signed with %q, want %q", got.AccessKeyID, tc.wantKey)
			}
			switch {
			case tc.wantSTS && tc.wantKey == "stsid" && got.SecurityToken != stsToken:
				t.Errorf("security token %.12q..., want the configured one", got.SecurityToken)
			case tc.wantSTS && got.SecurityToken == "":
				t.Error("no security token sent")
			case !tc.wantSTS && got.SecurityToken != "":
				t.Error("a security token was sent")
			}
			if tc.assumed != "" {
				if n := e.srv.Calls(tc.assumed); n != 1 {
					t.Errorf("%s called %d times, want 1", tc.assumed, n)
				}
				if by := e.lastCaller(tc.assumed); by.AccessKeyID != tc.by {
					t.Errorf("%s signed by %q, want %q", tc.assumed, by.AccessKeyID, tc.by)
				}
			} else if n := e.srv.Calls("AssumeRole") + e.srv.Calls("AssumeRoleWithOIDC"); n != 0 {
				t.Errorf("STS called %d times for credentials that need none", n)
			}
			if src := c.CredentialSource(); src != tc.source {
				t.Errorf("CredentialSource = %q, want %q", src, tc.source)
			}
			// A second call reuses the credentials: no second STS call.
			if _, err := c.Call(context.Background(), ProductCloudAPI, "DescribeInstances", map[string]string{}); err != nil {
				t.Fatalf("second call: %v", err)
			}
			if tc.assumed != "" && e.srv.Calls(tc.assumed) != 1 {
				t.Errorf("%s called again for the second call", tc.assumed)
			}
			e.noLeak(t, out, "sso-access-token-Hk38", "oauth-refresh-Mn47")
		})
	}
}

// writeCredentialScript writes a process_command that prints out and
// counts its runs in a file beside it.
func writeCredentialScript(t *testing.T, dir, out string) string {
	t.Helper()
	path := filepath.Join(dir, "bin", "credential-process")
	script := fmt.Sprintf("#!/bin/sh\necho run >> %q\ncat <<'EOF'\n%s\nEOF\n", path+".runs", out)
	writeFile(t, path, script, 0o700)
	return path
}

// credentialsServer serves STS credentials as a credentials URI does.
func credentialsServer(t *testing.T) string {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/creds" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"Code": "Success", "AccessKeyId": "stsid", "AccessKeySecret": stsSecret,
			"SecurityToken": stsToken, "Expiration": time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05Z")})
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}

// TestExternalRunsOnce: without an expiration the process_command is run
// once for the whole run, not before every call.
func TestExternalRunsOnce(t *testing.T) {
	e := newCredEnv(t)
	script := writeCredentialScript(t, e.home, `{"mode": "AK", "access_key_id": "akid", "access_key_secret": "`+akSecret+`"}`)
	e.writeConfig(t, map[string]any{"name": "ext", "mode": "External", "process_command": script})
	c, out, err := e.call(t, "")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.Call(context.Background(), ProductCloudAPI, "DescribeInstances", map[string]string{}); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := os.ReadFile(script + ".runs")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(runs), "run"); n != 1 {
		t.Errorf("process_command ran %d times for 4 calls, want 1", n)
	}
	e.noLeak(t, out)
}

// TestCredentialProblems: a source that is configured but cannot be used
// is named with what to fix, never with a secret, and no call is made.
func TestCredentialProblems(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, e *credEnv)
		profile string
		want    []string
	}{
		{name: "unsupported mode", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, map[string]any{"name": "rsa", "mode": "RsaKeyPair", "private_key": "-----BEGIN " + akSecret, "key_pair_name": "kp"})
		}, want: []string{`profile "rsa" (mode RsaKeyPair): mode RsaKeyPair is not supported by apigw-preflight (supported: AK, StsToken, RamRoleArn, EcsRamRole, ` +
			`RamRoleArnWithRoleName, ChainableRamRoleArn, External, CredentialsURI, OIDC, CloudSSO, OAuth)`}},
		{name: "bearer token mode", profile: "bearer", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, map[string]any{"name": "bearer", "mode": "BearerToken", "bearer_token": akSecret})
		}, want: []string{"no credentials for --profile bearer: ", "mode BearerToken is not supported"}},
		{name: "AK profile without a secret", profile: "half", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, map[string]any{"name": "half", "mode": "AK", "access_key_id": "akid"})
		}, want: []string{`profile "half" (mode AK): access_key_secret not set; run 'aliyun configure --profile half --mode AK'`}},
		{name: "External command fails", profile: "ext", setup: func(t *testing.T, e *credEnv) {
			path := filepath.Join(e.home, "bin", "failing")
			writeFile(t, path, "#!/bin/sh\necho \"token "+stsToken+" expired\" >&2\nexit 3\n", 0o700)
			e.writeConfig(t, map[string]any{"name": "ext", "mode": "External", "process_command": path})
		}, want: []string{`profile "ext" in ~/.aliyun/config.json (mode External): process_command exited with status 3; run it yourself to see why`}},
		{name: "External prints something else", profile: "ext", setup: func(t *testing.T, e *credEnv) {
			script := writeCredentialScript(t, e.home, "AccessKeySecret="+akSecret)
			e.writeConfig(t, map[string]any{"name": "ext", "mode": "External", "process_command": script})
		}, want: []string{"process_command did not print a JSON object like"}},
		{name: "External turned off", profile: "ext", setup: func(t *testing.T, e *credEnv) {
			t.Setenv("ALIBABA_CLOUD_DISABLE_EXTERNAL_PROCESS", "true")
			e.writeConfig(t, map[string]any{"name": "ext", "mode": "External", "process_command": "/bin/false"})
		}, want: []string{"turned off by ALIBABA_CLOUD_DISABLE_EXTERNAL_PROCESS"}},
		{name: "CloudSSO sign-in expired", profile: "sso", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, map[string]any{"name": "sso", "mode": "CloudSSO", "cloud_sso_sign_in_url": "https://signin-example.invalid/device/login",
				"cloud_sso_account_id": "1", "cloud_sso_access_config": "ac", "access_token": "sso-access-token-Hk38",
				"cloud_sso_access_token_expire": time.Now().Add(-time.Hour).Unix()})
		}, want: []string{"the CloudSSO sign-in has expired; run 'aliyun configure --profile sso --mode CloudSSO' to sign in again"}},
		{name: "OAuth site type", profile: "oauth", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, map[string]any{"name": "oauth", "mode": "OAuth", "oauth_site_type": "EU", "oauth_refresh_token": "oauth-refresh-Mn47"})
		}, want: []string{`oauth_site_type "EU": want CN or INTL`}},
		{name: "ChainableRamRoleArn loop", profile: "a", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, map[string]any{"name": "a", "mode": "ChainableRamRoleArn", "source_profile": "b", "ram_role_arn": roleARN},
				map[string]any{"name": "b", "mode": "ChainableRamRoleArn", "source_profile": "a", "ram_role_arn": roleARN})
		}, want: []string{`source_profile "a" leads back to itself (a -> b -> a)`}},
		{name: "role the STS does not know", profile: "role", setup: func(t *testing.T, e *credEnv) {
			e.writeConfig(t, map[string]any{"name": "role", "mode": "RamRoleArn", "access_key_id": "akid", "access_key_secret": akSecret,
				"ram_role_arn": roleARN + "-other"})
		}, want: []string{`(mode RamRoleArn): refresh session token failed: `, "EntityNotExist.Role"}},
		{name: "nothing configured", want: []string{"no credentials found: environment variables ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET not set; " +
			"OIDC role (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE) not set; " +
			"~/.aliyun/config.json does not exist; ~/.alibabacloud/credentials does not exist; " +
			"ECS RAM role from the instance metadata service: turned off by ALIBABA_CLOUD_ECS_METADATA_DISABLED=true; " +
			"ALIBABA_CLOUD_CREDENTIALS_URI not set; set the environment variables, run 'aliyun configure', or pass --profile"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newCredEnv(t)
			if tc.setup != nil {
				tc.setup(t, e)
			}
			_, out, err := e.call(t, tc.profile)
			ae, ok := AsAPIError(err)
			if !ok || ae.Code != CodeNoCredentials || !ae.IsCredential() {
				t.Fatalf("err = %v, want %s", err, CodeNoCredentials)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q:\n%s", w, err)
				}
			}
			if strings.Contains(err.Error(), "check its keys") {
				t.Errorf("misleading message: %s", err)
			}
			if n := e.srv.Calls("DescribeInstances"); n != 0 {
				t.Errorf("%d API calls made without credentials", n)
			}
			e.noLeak(t, out, "sso-access-token-Hk38", "oauth-refresh-Mn47")
		})
	}
}

// metadataServer is a loopback stand-in for the ECS metadata service,
// reached as a proxy (credentials-go always asks 100.100.100.200). It
// counts requests.
type metadataServer struct {
	url string
	mu  sync.Mutex
	n   int
}

func (m *metadataServer) requests() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n
}

func startMetadata(t *testing.T) *metadataServer {
	t.Helper()
	m := &metadataServer{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.n++
		m.mu.Unlock()
		if r.URL.Host != "100.100.100.200" {
			http.Error(w, "not the metadata service", http.StatusBadGateway)
			return
		}
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
			fmt.Fprint(w, "metadata-session-token")
		case r.URL.Path == "/latest/meta-data/ram/security-credentials/":
			fmt.Fprint(w, "preflight-ecs")
		case r.URL.Path == "/latest/meta-data/ram/security-credentials/preflight-ecs":
			_ = json.NewEncoder(w).Encode(map[string]string{"Code": "Success", "AccessKeyId": "stsid", "AccessKeySecret": stsSecret,
				"SecurityToken": stsToken, "Expiration": time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05Z"), "LastUpdated": "x"})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(hs.Close)
	m.url = hs.URL
	old := metadataProxy
	metadataProxy = hs.URL
	t.Cleanup(func() { metadataProxy = old })
	return m
}

// TestECSMetadata: the ECS RAM role is asked only when the chain reaches
// it, never when ALIBABA_CLOUD_ECS_METADATA_DISABLED=true.
func TestECSMetadata(t *testing.T) {
	t.Run("chain reaches it", func(t *testing.T) {
		e := newCredEnv(t)
		m := startMetadata(t)
		t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "")
		c, out, err := e.call(t, "")
		if err != nil {
			t.Fatal(err)
		}
		if m.requests() == 0 {
			t.Error("the metadata service was not asked")
		}
		if got := e.lastCaller("DescribeInstances"); got.AccessKeyID != "stsid" || got.SecurityToken != stsToken {
			t.Errorf("signed with %q", got.AccessKeyID)
		}
		if src := c.CredentialSource(); src != "ECS RAM role from the instance metadata service" {
			t.Errorf("CredentialSource = %q", src)
		}
		e.noLeak(t, out, "metadata-session-token")
	})
	t.Run("an earlier source answers", func(t *testing.T) {
		e := newCredEnv(t)
		m := startMetadata(t)
		t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "")
		t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "akid")
		t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", akSecret)
		if _, _, err := e.call(t, ""); err != nil {
			t.Fatal(err)
		}
		if n := m.requests(); n != 0 {
			t.Errorf("the metadata service was asked %d times", n)
		}
	})
	t.Run("EcsRamRole profile", func(t *testing.T) {
		e := newCredEnv(t)
		m := startMetadata(t)
		t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "")
		e.writeConfig(t, map[string]any{"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "preflight-ecs"})
		c, out, err := e.call(t, "ecs")
		if err != nil {
			t.Fatal(err)
		}
		if m.requests() == 0 || c.CredentialSource() != `profile "ecs" in ~/.aliyun/config.json (mode EcsRamRole)` {
			t.Errorf("metadata requests %d, source %q", m.requests(), c.CredentialSource())
		}
		e.noLeak(t, out, "metadata-session-token")
	})
	t.Run("disabled", func(t *testing.T) {
		e := newCredEnv(t)
		m := startMetadata(t)
		t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
		e.writeConfig(t, map[string]any{"name": "ecs", "mode": "EcsRamRole"})
		_, out, err := e.call(t, "")
		if err == nil || !strings.Contains(err.Error(), `profile "ecs" (mode EcsRamRole): the ECS metadata service is turned off by ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`) ||
			!strings.Contains(err.Error(), "ECS RAM role from the instance metadata service: turned off by ALIBABA_CLOUD_ECS_METADATA_DISABLED=true") {
			t.Errorf("err = %v", err)
		}
		if n := m.requests(); n != 0 {
			t.Errorf("the metadata service was asked %d times", n)
		}
		e.noLeak(t, out)
	})
}

// TestCredentialsDebugNeverPrints assumes a role in a child process with
// DEBUG=credential: credentials-go decides at initialisation whether to
// print its requests' headers (OAuth and CloudSSO bearer tokens among
// them) on stdout; the tool's quietsdk must have removed the switch first.
func TestCredentialsDebugNeverPrints(t *testing.T) {
	if os.Getenv("APIGW_TEST_CREDENTIALS_DEBUG_CHILD") == "1" {
		e := newCredEnv(t)
		e.writeConfig(t, map[string]any{"name": "role", "mode": "RamRoleArn", "access_key_id": "akid", "access_key_secret": akSecret, "ram_role_arn": roleARN})
		if _, _, err := e.call(t, "role"); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "child assumed the role; AssumeRole calls %d\n", e.srv.Calls("AssumeRole"))
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCredentialsDebugNeverPrints$", "-test.count=1")
	cmd.Env = append(os.Environ(), "APIGW_TEST_CREDENTIALS_DEBUG_CHILD=1", "DEBUG=credential")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "child assumed the role; AssumeRole calls 1") {
		t.Fatalf("the child did not assume the role: %s", stderr.String())
	}
	if out := stdout.String(); strings.Contains(out, "> ") {
		t.Errorf("credentials-go debug output reached stdout:\n%.2000s", out)
	}
}

func TestSplitCommand(t *testing.T) {
	for _, tc := range []struct {
		in      string
		windows bool
		want    []string
		err     string
	}{
		{in: `/bin/tool --a b`, want: []string{"/bin/tool", "--a", "b"}},
		{in: `tool 'one arg' "two \"args\"" three\ four`, want: []string{"tool", "one arg", `two "args"`, "three four"}},
		{in: `tool "" x`, want: []string{"tool", "", "x"}},
		{in: `"C:\Program Files\tool.exe" --p`, windows: true, want: []string{`C:\Program Files\tool.exe`, "--p"}},
		{in: `tool 'open`, err: "has an unclosed quote"},
		{in: `tool \`, err: "ends with a backslash"},
		{in: `   `, err: "is empty"},
	} {
		got, err := splitCommand(tc.in, tc.windows)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("splitCommand(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("splitCommand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

package cloud

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
)

// Credentials follow the aliyun CLI and SDK conventions. Without a profile
// the SDK's default chain is used, in its order: environment variables
// (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,
// ALIBABA_CLOUD_SECURITY_TOKEN), OIDC (ALIBABA_CLOUD_ROLE_ARN,
// ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE), the CLI
// profile file ~/.aliyun/config.json (profile from ALIBABA_CLOUD_PROFILE,
// else the file's "current"), the ini file ~/.alibabacloud/credentials,
// the ECS RAM role. An explicit profile (--profile) uses only that profile:
// from ~/.aliyun/config.json, else the same name in the ini file;
// environment access keys are then ignored.

// cliConfig is the part of ~/.aliyun/config.json the collector reads
// itself: profile names, modes and regions for hints and the region
// fallback, and the secrets so that they can be redacted from messages.
type cliConfig struct {
	Current  string `json:"current"`
	Profiles []struct {
		Name            string `json:"name"`
		Mode            string `json:"mode"`
		AccessKeyID     string `json:"access_key_id"`
		AccessKeySecret string `json:"access_key_secret"`
		StsToken        string `json:"sts_token"`
		RegionID        string `json:"region_id"`
	} `json:"profiles"`
}

func homeDir() string {
	if runtime.GOOS == "windows" {
		return os.Getenv("USERPROFILE")
	}
	return os.Getenv("HOME")
}

// cliConfigPath is where the aliyun CLI keeps its profiles.
func cliConfigPath() string {
	h := homeDir()
	if h == "" {
		return ""
	}
	return filepath.Join(h, ".aliyun", "config.json")
}

// displayPath shortens the home directory to ~ in messages.
func displayPath(p string) string {
	if h := homeDir(); h != "" && strings.HasPrefix(p, h+string(filepath.Separator)) {
		return "~" + p[len(h):]
	}
	return p
}

// readCLIConfig reads ~/.aliyun/config.json; a problem is returned as a
// short reason that never quotes the file.
func readCLIConfig() (*cliConfig, string) {
	p := cliConfigPath()
	if p == "" {
		return nil, "no home directory"
	}
	data, err := os.ReadFile(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, displayPath(p) + " does not exist"
		}
		return nil, displayPath(p) + " cannot be read"
	}
	var c cliConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, displayPath(p) + " is not valid JSON"
	}
	return &c, ""
}

// profileName is the CLI profile that applies: the explicit one, else
// ALIBABA_CLOUD_PROFILE, else the config file's current profile.
func profileName(explicit string, c *cliConfig) string {
	if explicit != "" {
		return explicit
	}
	if p := os.Getenv("ALIBABA_CLOUD_PROFILE"); p != "" {
		return p
	}
	if c != nil {
		return c.Current
	}
	return ""
}

// ResolveRegion picks the region: the flag, else ALIBABA_CLOUD_REGION_ID,
// else region_id of the CLI profile that applies. It returns where the
// region came from, for messages.
func ResolveRegion(flag, profile string) (region, from string, err error) {
	if flag != "" {
		return flag, "--region", nil
	}
	if r := os.Getenv("ALIBABA_CLOUD_REGION_ID"); r != "" {
		return r, "ALIBABA_CLOUD_REGION_ID", nil
	}
	c, _ := readCLIConfig()
	name := profileName(profile, c)
	if c != nil {
		for _, p := range c.Profiles {
			if p.Name == name && p.RegionID != "" {
				return p.RegionID, fmt.Sprintf("profile %q in %s", name, displayPath(cliConfigPath())), nil
			}
		}
	}
	return "", "", fmt.Errorf("no region: pass --region, set ALIBABA_CLOUD_REGION_ID, or set region_id in the CLI profile (aliyun configure)")
}

// credentialTracker wraps the credentials provider. It remembers which
// source answered (for hints) and every secret it handed out (for
// redaction), and turns chain failures into messages that never quote
// the SDK's text, which can include the whole CLI config file.
type credentialTracker struct {
	inner   credentials.CredentialsProvider
	profile string // explicit profile, "" for the default chain

	mu       sync.Mutex
	provider string // ProviderName of the last credentials
	keyID    string
	hasToken bool
	secrets  []string
}

func newCredentialTracker(profile string) *credentialTracker {
	t := &credentialTracker{profile: profile}
	if profile == "" {
		t.inner = credentials.NewDefaultCredentialsProvider()
	} else {
		t.inner = &firstOf{name: "profile " + profile, providers: []credentials.CredentialsProvider{
			credentials.NewCLIProfileCredentialsProviderBuilder().WithProfileName(profile).Build(),
			credentials.NewProfileCredentialsProviderBuilder().WithProfileName(profile).Build(),
		}}
	}
	// Secrets that may be in play, known up front so that even messages
	// produced before a successful lookup are redacted.
	t.addSecret(os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"), os.Getenv("ALIBABA_CLOUD_SECURITY_TOKEN"))
	if c, _ := readCLIConfig(); c != nil {
		for _, p := range c.Profiles {
			t.addSecret(p.AccessKeySecret, p.StsToken)
		}
	}
	return t
}

// firstOf tries providers in order, like the SDK's chain, for an explicit
// profile.
type firstOf struct {
	name      string
	providers []credentials.CredentialsProvider
}

func (f *firstOf) GetCredentials() (*credentials.Credentials, error) {
	for _, p := range f.providers {
		cc, err := p.GetCredentials()
		if err == nil && cc != nil {
			return cc, nil
		}
	}
	return nil, fmt.Errorf("%s not found", f.name)
}

func (f *firstOf) GetProviderName() string { return "explicit" }

func (t *credentialTracker) addSecret(ss ...string) {
	for _, s := range ss {
		if len(s) >= 4 && !slices.Contains(t.secrets, s) {
			t.secrets = append(t.secrets, s)
		}
	}
}

// GetCredentials implements credentials.CredentialsProvider.
func (t *credentialTracker) GetCredentials() (*credentials.Credentials, error) {
	cc, err := t.inner.GetCredentials()
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil || cc == nil {
		return nil, &APIError{Code: CodeNoCredentials, Message: t.chainFailure(), credential: true}
	}
	t.provider = cc.ProviderName
	t.keyID = cc.AccessKeyId
	t.hasToken = cc.SecurityToken != ""
	t.addSecret(cc.AccessKeySecret, cc.SecurityToken, cc.BearerToken)
	return cc, nil
}

// GetProviderName implements credentials.CredentialsProvider.
func (t *credentialTracker) GetProviderName() string { return t.inner.GetProviderName() }

// chainFailure explains, without the SDK's text, why no credentials were
// found and what to do.
func (t *credentialTracker) chainFailure() string {
	c, reason := readCLIConfig()
	name := profileName(t.profile, c)
	profileState := reason
	if c != nil {
		profileState = fmt.Sprintf("profile %q not found in %s", name, displayPath(cliConfigPath()))
		var names []string
		for _, p := range c.Profiles {
			names = append(names, p.Name)
			if p.Name == name {
				profileState = fmt.Sprintf("profile %q (mode %s) in %s could not be used; check its keys, or run 'aliyun configure --profile %s'", name, p.Mode, displayPath(cliConfigPath()), name)
			}
		}
		if name == "" {
			profileState = fmt.Sprintf("%s names no current profile", displayPath(cliConfigPath()))
		}
		if len(names) > 0 && !slices.Contains(names, name) {
			profileState += fmt.Sprintf(" (profiles there: %s)", strings.Join(names, ", "))
		}
	}
	if t.profile != "" {
		return fmt.Sprintf("no credentials for --profile %s: %s", t.profile, profileState)
	}
	return "no credentials found: environment variables ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET are not set, " +
		"no OIDC role is configured, " + profileState + ", and no ini credentials file or ECS RAM role answered; " +
		"set the environment variables, run 'aliyun configure', or pass --profile"
}

// Source names where the credentials in use came from, e.g.
// `profile "prod" in ~/.aliyun/config.json`. Never the secret.
func (t *credentialTracker) Source() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sourceLocked()
}

func (t *credentialTracker) sourceLocked() string {
	parts := strings.Split(t.provider, "/")
	has := func(s string) bool { return slices.Contains(parts, s) }
	switch {
	case t.provider == "":
		return "no credentials yet"
	case has("cli_profile"):
		c, _ := readCLIConfig()
		return fmt.Sprintf("profile %q in %s", profileName(t.profile, c), displayPath(cliConfigPath()))
	case has("profile"):
		name := t.profile
		if name == "" {
			name = os.Getenv("ALIBABA_CLOUD_PROFILE")
		}
		if name == "" {
			name = "default"
		}
		file := os.Getenv("ALIBABA_CLOUD_CREDENTIALS_FILE")
		if file == "" {
			file = "~/.alibabacloud/credentials"
		}
		return fmt.Sprintf("profile %q in the credentials file %s", name, file)
	case has("env"):
		if t.hasToken {
			return "environment variables ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_SECURITY_TOKEN"
		}
		return "environment variables ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	case has("oidc_role_arn"):
		return "OIDC role (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE)"
	case has("ecs_ram_role"):
		return "ECS RAM role from the instance metadata service"
	case has("credential_uri"):
		return "ALIBABA_CLOUD_CREDENTIALS_URI"
	default:
		return "credentials provider " + t.provider
	}
}

// hint says what to check after the cloud rejected the credentials.
func (t *credentialTracker) hint(code string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	src := t.sourceLocked()
	id := t.keyID
	switch {
	case code == "SignatureDoesNotMatch" || code == "IncompleteSignature":
		return fmt.Sprintf("the access key secret does not match access key ID %s; credentials came from %s", id, src)
	case strings.HasPrefix(code, "InvalidAccessKeyId"):
		return fmt.Sprintf("access key ID %s is unknown or disabled; credentials came from %s", id, src)
	case strings.HasPrefix(code, "InvalidSecurityToken"):
		return fmt.Sprintf("the STS security token was rejected (expired or not issued for access key ID %s); credentials came from %s", id, src)
	default:
		return "credentials came from " + src
	}
}

// redact removes every secret the tracker knows of from s, raw and in the
// percent-encoded forms a string-to-sign or URL carries.
func (t *credentialTracker) redact(s string) string {
	if t == nil {
		return s
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, sec := range t.secrets {
		enc := percentEncode(sec)
		for _, form := range []string{percentEncode(enc), enc, url.QueryEscape(sec), sec} {
			s = strings.ReplaceAll(s, form, "[REDACTED]")
		}
	}
	return s
}

// percentEncode is RFC 3986 encoding as the RPC signature uses it.
func percentEncode(s string) string {
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(s))
}

// isCredentialCode tells codes that mean the credentials were rejected.
func isCredentialCode(code string) bool {
	return code == "SignatureDoesNotMatch" || code == "IncompleteSignature" ||
		strings.HasPrefix(code, "InvalidAccessKeyId") ||
		strings.HasPrefix(code, "InvalidSecurityToken") ||
		code == "InvalidAccessKeySecret"
}

// secretKeys name parameters, fields and headers whose value is a secret,
// whoever it belongs to (lower case).
var secretKeys = []string{
	"securitytoken", "security_token", "x-acs-security-token", "sts_token", "ststoken",
	"accesskeysecret", "access_key_secret", "bearertoken", "signature",
}

// secretSeparators join a key to its value: in a query, percent-encoded
// once or twice (a string-to-sign), in JSON, in a header or YAML.
var secretSeparators = []string{"%25253d", "%253d", "%3d", "=", `":"`, `": "`, `\":\"`, `\": \"`, ": ", ":"}

// secretEnds end a value: a parameter separator (raw or encoded), a quote,
// white space, markup.
var secretEnds = []string{"%252526", "%2526", "%26", "&", `"`, `\`, "'", " ", "\t", "\n", "\r", "<", ">", ",", ";", ")", "}", "]"}

// RedactSecrets replaces the value of every secret-carrying parameter,
// field or header in s (SecurityToken=..., its percent-encoded forms in a
// string-to-sign, "AccessKeySecret": "...", Signature=...) with [REDACTED].
// It finds secrets nobody told it about; redact by value first where the
// secrets are known.
func RedactSecrets(s string) string {
	lower := asciiLower(s)
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		key := ""
		for _, k := range secretKeys {
			if strings.HasPrefix(lower[i:], k) {
				key = k
				break
			}
		}
		if key == "" {
			i++
			continue
		}
		j := i + len(key)
		sep := ""
		for _, sp := range secretSeparators {
			if strings.HasPrefix(lower[j:], sp) {
				sep = sp
				break
			}
		}
		if sep == "" {
			i = j
			continue
		}
		v := j + len(sep)
		if strings.HasPrefix(s[v:], "[REDACTED]") {
			i = v + len("[REDACTED]")
			continue
		}
		end := v
		for end < len(s) && !hasAnyPrefix(lower[end:], secretEnds) {
			end++
		}
		if end > v {
			b.WriteString(s[last:v])
			b.WriteString("[REDACTED]")
			last = end
		}
		i = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// asciiLower lower-cases A-Z only, so byte offsets stay those of s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

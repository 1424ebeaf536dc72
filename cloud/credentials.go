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
	"github.com/aliyun/credentials-go/credentials/providers"
)

// Credentials follow the aliyun CLI and its SDKs, through credentials-go
// (github.com/aliyun/credentials-go). Without a profile the sources are
// tried in the order of credentials-go's default chain
// (providers.NewDefaultCredentialsProvider): the environment variables
// (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,
// ALIBABA_CLOUD_SECURITY_TOKEN), OIDC (ALIBABA_CLOUD_ROLE_ARN,
// ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE), the CLI
// profile file (ALIBABA_CLOUD_CONFIG_FILE, else ~/.aliyun/config.json;
// profile from ALIBABA_CLOUD_PROFILE, else the file's "current"), the ini
// file (ALIBABA_CLOUD_CREDENTIALS_FILE, else ~/.alibabacloud/credentials),
// the ECS RAM role, ALIBABA_CLOUD_CREDENTIALS_URI. The first source that is
// configured and answers is used for the whole run. An explicit profile
// (--profile) uses only that profile: from the CLI profile file, else the
// same name in the ini file; the environment keys are then ignored. The
// profile modes are resolved here (see credentials_chain.go) so that an
// unsupported mode is named, the STS endpoint can be set, and nothing is
// printed on stdout.

// cliProfile is one profile of the CLI profile file: the fields of the
// modes the tool supports, as the aliyun CLI writes them.
type cliProfile struct {
	Name                      string `json:"name"`
	Mode                      string `json:"mode"`
	AccessKeyID               string `json:"access_key_id"`
	AccessKeySecret           string `json:"access_key_secret"`
	StsToken                  string `json:"sts_token"`
	RegionID                  string `json:"region_id"`
	StsRegion                 string `json:"sts_region"`
	StsEndpoint               string `json:"sts_endpoint"`
	RAMRoleName               string `json:"ram_role_name"`
	RAMRoleARN                string `json:"ram_role_arn"`
	RoleSessionName           string `json:"ram_session_name"`
	ExternalID                string `json:"external_id"`
	SourceProfile             string `json:"source_profile"`
	ExpiredSeconds            int    `json:"expired_seconds"`
	ProcessCommand            string `json:"process_command"`
	CredentialsURI            string `json:"credentials_uri"`
	OIDCProviderARN           string `json:"oidc_provider_arn"`
	OIDCTokenFile             string `json:"oidc_token_file"`
	CloudSSOSignInURL         string `json:"cloud_sso_sign_in_url"`
	CloudSSOAccountID         string `json:"cloud_sso_account_id"`
	CloudSSOAccessConfig      string `json:"cloud_sso_access_config"`
	AccessToken               string `json:"access_token"`
	CloudSSOAccessTokenExpire int64  `json:"cloud_sso_access_token_expire"`
	StsExpiration             int64  `json:"sts_expiration"`
	OAuthSiteType             string `json:"oauth_site_type"`
	OAuthAccessToken          string `json:"oauth_access_token"`
	OAuthRefreshToken         string `json:"oauth_refresh_token"`
	BearerToken               string `json:"bearer_token"`
}

// secrets are the profile's values that must never be shown.
func (p *cliProfile) secrets() []string {
	return []string{p.AccessKeySecret, p.StsToken, p.AccessToken, p.OAuthAccessToken, p.OAuthRefreshToken, p.BearerToken}
}

// cliConfig is the part of the CLI profile file the tool reads itself.
type cliConfig struct {
	Current  string       `json:"current"`
	Profiles []cliProfile `json:"profiles"`
}

func (c *cliConfig) profile(name string) *cliProfile {
	for i := range c.Profiles {
		if c.Profiles[i].Name == name {
			return &c.Profiles[i]
		}
	}
	return nil
}

func (c *cliConfig) names() []string {
	var names []string
	for _, p := range c.Profiles {
		names = append(names, p.Name)
	}
	return names
}

func homeDir() string {
	if runtime.GOOS == "windows" {
		return os.Getenv("USERPROFILE")
	}
	return os.Getenv("HOME")
}

// cliConfigPath is where the aliyun CLI keeps its profiles:
// ALIBABA_CLOUD_CONFIG_FILE, else ~/.aliyun/config.json.
func cliConfigPath() string {
	if p := os.Getenv("ALIBABA_CLOUD_CONFIG_FILE"); p != "" {
		return p
	}
	h := homeDir()
	if h == "" {
		return ""
	}
	return filepath.Join(h, ".aliyun", "config.json")
}

// iniPath is the SDKs' ini credentials file: ALIBABA_CLOUD_CREDENTIALS_FILE,
// else ~/.alibabacloud/credentials.
func iniPath() string {
	if p := os.Getenv("ALIBABA_CLOUD_CREDENTIALS_FILE"); p != "" {
		return p
	}
	h := homeDir()
	if h == "" {
		return ""
	}
	return filepath.Join(h, ".alibabacloud", "credentials")
}

// displayPath shortens the home directory to ~ in messages.
func displayPath(p string) string {
	if h := homeDir(); h != "" && strings.HasPrefix(p, h+string(filepath.Separator)) {
		return "~" + p[len(h):]
	}
	return p
}

// readCLIConfig reads the CLI profile file; a problem is returned as a
// short reason that never quotes the file.
func readCLIConfig() (*cliConfig, string) {
	p := cliConfigPath()
	data, why := readCredentialFile(p)
	if why != "" {
		return nil, why
	}
	var c cliConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, displayPath(p) + " is not valid JSON"
	}
	return &c, ""
}

// readCredentialFile reads a credentials file at p ("" when there is no
// home directory); a problem is a short reason that never quotes the file.
func readCredentialFile(p string) ([]byte, string) {
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
	return data, ""
}

// iniFile is what the tool reads of the ini credentials file itself: its
// section names, and the values of secret keys for redaction.
type iniFile struct {
	sections []string
	secrets  []string
}

// readINI reads the ini credentials file; a problem is a short reason.
func readINI() (*iniFile, string) {
	data, why := readCredentialFile(iniPath())
	if why != "" {
		return nil, why
	}
	f := &iniFile{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			f.sections = append(f.sections, strings.TrimSpace(line[1:len(line)-1]))
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if ok && (strings.Contains(k, "secret") || strings.Contains(k, "token")) {
			f.secrets = append(f.secrets, strings.Trim(strings.TrimSpace(v), `"'`))
		}
	}
	return f, ""
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
		if p := c.profile(name); p != nil && p.RegionID != "" {
			return p.RegionID, fmt.Sprintf("profile %q in %s", name, displayPath(cliConfigPath())), nil
		}
	}
	return "", "", fmt.Errorf("no region: pass --region, set ALIBABA_CLOUD_REGION_ID, or set region_id in the CLI profile (aliyun configure)")
}

// CheckProfile reports an explicit profile that exists in neither the CLI
// profile file nor the ini credentials file, before anything else is
// asked of the user (such as a region). "" is always fine.
func CheckProfile(name string) error {
	if name == "" {
		return nil
	}
	c, _ := readCLIConfig()
	if c != nil && c.profile(name) != nil {
		return nil
	}
	if f, _ := readINI(); f != nil && slices.Contains(f.sections, name) {
		return nil
	}
	return fmt.Errorf("--profile %s: %s", name, unknownProfile(name))
}

// unknownProfile says that a named profile was not found, and where it
// was looked for.
func unknownProfile(name string) string {
	c, reason := readCLIConfig()
	msg := reason
	if c != nil {
		msg = fmt.Sprintf("profile %q not found in %s", name, displayPath(cliConfigPath()))
		if names := c.names(); len(names) > 0 {
			msg += fmt.Sprintf(" (profiles there: %s)", strings.Join(names, ", "))
		}
	}
	ini := displayPath(iniPath())
	if f, _ := readINI(); f != nil {
		return msg + fmt.Sprintf(", nor in the credentials file %s; run 'aliyun configure --profile %s', or pick one of those", ini, name)
	}
	return msg + fmt.Sprintf(" (no credentials file %s either); run 'aliyun configure --profile %s'", ini, name)
}

// credentialTracker is the credentials provider the SDK client signs
// with. It asks the chain (credentials-go providers, see
// credentials_chain.go), remembers which source answered (for hints) and
// every secret it handed out (for redaction), and turns chain failures
// into messages that never quote a provider's text unredacted.
type credentialTracker struct {
	profile     string // explicit profile, "" for the default chain
	stsEndpoint string // ALIBABA_CLOUD_STS_ENDPOINT, when set

	mu       sync.Mutex
	steps    []*chainStep // the chain; one step for a fixed key
	used     *chainStep   // the step that answered
	keyID    string
	hasToken bool
	secrets  []string
}

// newCredentialTracker lays out the chain of profile ("" for the default
// chain), or of the one key when key is set.
func newCredentialTracker(profile string, key *AccessKey) *credentialTracker {
	t := &credentialTracker{profile: profile, stsEndpoint: os.Getenv("ALIBABA_CLOUD_STS_ENDPOINT")}
	if key != nil {
		t.addSecret(key.Secret, key.SecurityToken)
		var p providers.CredentialsProvider
		if key.SecurityToken != "" {
			p, _ = providers.NewStaticSTSCredentialsProviderBuilder().WithAccessKeyId(key.ID).
				WithAccessKeySecret(key.Secret).WithSecurityToken(key.SecurityToken).Build()
		} else {
			p, _ = providers.NewStaticAKCredentialsProviderBuilder().WithAccessKeyId(key.ID).WithAccessKeySecret(key.Secret).Build()
		}
		t.steps = []*chainStep{{label: "the access key given to the client", provider: p}}
		return t
	}
	// Secrets that may be in play, known up front so that even messages
	// produced before a successful lookup are redacted.
	t.addSecret(os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"), os.Getenv("ALIBABA_CLOUD_SECURITY_TOKEN"), os.Getenv("ALIBABA_CLOUD_OIDC_TOKEN"))
	if c, _ := readCLIConfig(); c != nil {
		for _, p := range c.Profiles {
			t.addSecret(p.secrets()...)
		}
	}
	if f, _ := readINI(); f != nil {
		t.addSecret(f.secrets...)
	}
	t.steps = t.buildChain()
	return t
}

func (t *credentialTracker) addSecret(ss ...string) {
	for _, s := range ss {
		if len(s) >= 4 && !slices.Contains(t.secrets, s) {
			t.secrets = append(t.secrets, s)
		}
	}
}

// GetCredentials implements the SDK's credentials.CredentialsProvider.
func (t *credentialTracker) GetCredentials() (*credentials.Credentials, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	step, cc, msg := t.resolve()
	if cc == nil {
		return nil, &APIError{Code: CodeNoCredentials, Message: msg, credential: true}
	}
	t.used = step
	t.keyID = cc.AccessKeyId
	t.hasToken = cc.SecurityToken != ""
	t.addSecret(cc.AccessKeySecret, cc.SecurityToken)
	return &credentials.Credentials{
		AccessKeyId:     cc.AccessKeyId,
		AccessKeySecret: cc.AccessKeySecret,
		SecurityToken:   cc.SecurityToken,
		ProviderName:    cc.ProviderName,
	}, nil
}

// GetProviderName implements the SDK's credentials.CredentialsProvider.
func (t *credentialTracker) GetProviderName() string { return "apigw-preflight" }

// Source names where the credentials in use came from, e.g.
// `profile "prod" in ~/.aliyun/config.json`. Never the secret.
func (t *credentialTracker) Source() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sourceLocked()
}

func (t *credentialTracker) sourceLocked() string {
	if t.used == nil {
		return "no credentials yet"
	}
	if t.used.label == envLabel && t.hasToken {
		return "environment variables ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_SECURITY_TOKEN"
	}
	return t.used.label
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
	return t.redactLocked(s)
}

// redactLocked is redact with t.mu held (or before the tracker is shared).
func (t *credentialTracker) redactLocked(s string) string {
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

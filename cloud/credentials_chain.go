package cloud

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aliyun/credentials-go/credentials/providers"
)

// SupportedModes are the modes of CLI profiles the tool signs with, in
// the aliyun CLI's order of its mode list.
var SupportedModes = []string{"AK", "StsToken", "RamRoleArn", "EcsRamRole", "RamRoleArnWithRoleName",
	"ChainableRamRoleArn", "External", "CredentialsURI", "OIDC", "CloudSSO", "OAuth"}

// envLabel names the environment access keys in messages.
const envLabel = "environment variables ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"

// chainStep is one source of the credentials chain. A step whose provider
// is nil was not used: skip says it is not configured (the chain goes
// on), or problem says it is configured but cannot be used.
type chainStep struct {
	label    string // where credentials come from, for messages: `profile "ci" in ~/.aliyun/config.json`
	provider providers.CredentialsProvider
	skip     string
	problem  string
	failure  string // the provider's last error, redacted
}

// metadataProxy, when set, sends the ECS metadata requests (to
// 100.100.100.200, which credentials-go does not let one change) through
// this HTTP proxy: the seam for a loopback metadata service in tests.
var metadataProxy string

// buildChain lays out the sources in order (see the package comment in
// credentials.go). No source is asked anything yet: the ECS metadata
// service, for one, is only called when the chain reaches it.
func (t *credentialTracker) buildChain() []*chainStep {
	if t.profile != "" {
		return t.explicitProfile()
	}
	return []*chainStep{t.envStep(), t.oidcStep(), t.cliProfileStep(), t.iniStep(""), t.ecsStep(), t.uriStep()}
}

// explicitProfile is the chain of --profile NAME: the CLI profile of that
// name, else the ini section of that name.
func (t *credentialTracker) explicitProfile() []*chainStep {
	name := t.profile
	c, _ := readCLIConfig()
	if c != nil {
		if p := c.profile(name); p != nil {
			return []*chainStep{t.profileStep(c, p)}
		}
	}
	if f, _ := readINI(); f != nil && slices.Contains(f.sections, name) {
		return []*chainStep{t.iniStep(name)}
	}
	return []*chainStep{{label: "--profile " + name, problem: unknownProfile(name)}}
}

func (t *credentialTracker) envStep() *chainStep {
	s := &chainStep{label: envLabel}
	id, secret := os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"), os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
	switch {
	case id == "" && secret == "":
		s.skip = "not set"
	case id == "":
		s.problem = "ALIBABA_CLOUD_ACCESS_KEY_SECRET is set but ALIBABA_CLOUD_ACCESS_KEY_ID is not"
	case secret == "":
		s.problem = "ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is not"
	default:
		s.provider, _ = providers.NewEnvironmentVariableCredentialsProviderBuilder().Build()
	}
	return s
}

var oidcVars = []string{"ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE"}

func (t *credentialTracker) oidcStep() *chainStep {
	s := &chainStep{label: "OIDC role (" + strings.Join(oidcVars, ", ") + ")"}
	var unset []string
	for _, v := range oidcVars {
		if os.Getenv(v) == "" {
			unset = append(unset, v)
		}
	}
	if os.Getenv("ALIBABA_CLOUD_OIDC_TOKEN") != "" {
		unset = slices.DeleteFunc(unset, func(v string) bool { return v == "ALIBABA_CLOUD_OIDC_TOKEN_FILE" })
	}
	switch {
	case len(unset) == len(oidcVars) || (len(unset) == 2 && os.Getenv("ALIBABA_CLOUD_ROLE_ARN") != ""):
		// ALIBABA_CLOUD_ROLE_ARN alone is a RAM role for other modes.
		s.skip = "not set"
	case len(unset) > 0:
		s.problem = strings.Join(unset, ", ") + " not set"
	default:
		s.provider, s.problem = t.build(providers.NewOIDCCredentialsProviderBuilder().WithSTSEndpoint(t.stsEndpoint).Build())
	}
	return s
}

// cliProfileStep is the profile of the CLI profile file that applies.
func (t *credentialTracker) cliProfileStep() *chainStep {
	s := &chainStep{label: "CLI profile file " + displayPath(cliConfigPath())}
	if strings.EqualFold(os.Getenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED"), "true") {
		s.skip = "turned off by ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true"
		return s
	}
	c, reason := readCLIConfig()
	switch {
	case c == nil && strings.HasSuffix(reason, "does not exist"):
		s.skip = reason
		return s
	case c == nil:
		s.problem = reason
		return s
	}
	name := profileName("", c)
	if name == "" {
		s.skip = displayPath(cliConfigPath()) + " names no current profile (set ALIBABA_CLOUD_PROFILE or pass --profile)"
		return s
	}
	p := c.profile(name)
	if p == nil {
		s.problem = unknownProfile(name)
		return s
	}
	return t.profileStep(c, p)
}

// profileStep is one named profile of the CLI profile file.
func (t *credentialTracker) profileStep(c *cliConfig, p *cliProfile) *chainStep {
	s := &chainStep{label: profileLabel(p)}
	s.provider, s.problem = t.profileProvider(c, p, nil)
	if s.problem != "" {
		s.problem = fmt.Sprintf("profile %q (mode %s): %s", p.Name, p.Mode, s.problem)
	}
	return s
}

func profileLabel(p *cliProfile) string {
	label := fmt.Sprintf("profile %q in %s", p.Name, displayPath(cliConfigPath()))
	if p.Mode != "AK" && p.Mode != "StsToken" {
		label += " (mode " + p.Mode + ")"
	}
	return label
}

// profileProvider builds the credentials-go provider of a CLI profile's
// mode, as the aliyun CLI does (config/profile.go, GetCredential). seen
// holds the profiles a ChainableRamRoleArn chain has passed through.
func (t *credentialTracker) profileProvider(c *cliConfig, p *cliProfile, seen []string) (providers.CredentialsProvider, string) {
	configure := fmt.Sprintf("run 'aliyun configure --profile %s --mode %s'", p.Name, p.Mode)
	need := func(fields ...string) string {
		values := map[string]string{"access_key_id": p.AccessKeyID, "access_key_secret": p.AccessKeySecret,
			"sts_token": p.StsToken, "ram_role_arn": p.RAMRoleARN, "process_command": p.ProcessCommand,
			"oidc_provider_arn": p.OIDCProviderARN, "oidc_token_file": p.OIDCTokenFile, "source_profile": p.SourceProfile,
			"cloud_sso_sign_in_url": p.CloudSSOSignInURL, "cloud_sso_account_id": p.CloudSSOAccountID,
			"cloud_sso_access_config": p.CloudSSOAccessConfig}
		var empty []string
		for _, f := range fields {
			if values[f] == "" {
				empty = append(empty, f)
			}
		}
		if len(empty) == 0 {
			return ""
		}
		return strings.Join(empty, ", ") + " not set; " + configure
	}
	now := time.Now().Unix()
	cachedSTS := func() providers.CredentialsProvider {
		if p.StsExpiration > now+180 && p.AccessKeyID != "" && p.AccessKeySecret != "" && p.StsToken != "" {
			pr, _ := providers.NewStaticSTSCredentialsProviderBuilder().WithAccessKeyId(p.AccessKeyID).
				WithAccessKeySecret(p.AccessKeySecret).WithSecurityToken(p.StsToken).Build()
			return pr
		}
		return nil
	}
	switch p.Mode {
	case "AK":
		if m := need("access_key_id", "access_key_secret"); m != "" {
			return nil, m
		}
		return t.build(providers.NewStaticAKCredentialsProviderBuilder().WithAccessKeyId(p.AccessKeyID).
			WithAccessKeySecret(p.AccessKeySecret).Build())
	case "StsToken":
		if m := need("access_key_id", "access_key_secret", "sts_token"); m != "" {
			return nil, m
		}
		return t.build(providers.NewStaticSTSCredentialsProviderBuilder().WithAccessKeyId(p.AccessKeyID).
			WithAccessKeySecret(p.AccessKeySecret).WithSecurityToken(p.StsToken).Build())
	case "RamRoleArn":
		if m := need("access_key_id", "access_key_secret", "ram_role_arn"); m != "" {
			return nil, m
		}
		var prev providers.CredentialsProvider
		if p.StsToken != "" {
			prev, _ = providers.NewStaticSTSCredentialsProviderBuilder().WithAccessKeyId(p.AccessKeyID).
				WithAccessKeySecret(p.AccessKeySecret).WithSecurityToken(p.StsToken).Build()
		} else {
			prev, _ = providers.NewStaticAKCredentialsProviderBuilder().WithAccessKeyId(p.AccessKeyID).
				WithAccessKeySecret(p.AccessKeySecret).Build()
		}
		return t.assumeRole(p, prev)
	case "EcsRamRole":
		return t.ecs(p.RAMRoleName)
	case "RamRoleArnWithRoleName":
		if m := need("ram_role_arn"); m != "" {
			return nil, m
		}
		prev, problem := t.ecs(p.RAMRoleName)
		if prev == nil {
			return nil, problem
		}
		return t.assumeRole(p, prev)
	case "ChainableRamRoleArn":
		if m := need("source_profile", "ram_role_arn"); m != "" {
			return nil, m
		}
		seen = append(seen, p.Name)
		if slices.Contains(seen, p.SourceProfile) {
			return nil, fmt.Sprintf("source_profile %q leads back to itself (%s)", p.SourceProfile, strings.Join(append(seen, p.SourceProfile), " -> "))
		}
		src := c.profile(p.SourceProfile)
		if src == nil {
			return nil, fmt.Sprintf("source_profile %q not found in %s", p.SourceProfile, displayPath(cliConfigPath()))
		}
		prev, problem := t.profileProvider(c, src, seen)
		if prev == nil {
			return nil, fmt.Sprintf("source_profile %q (mode %s): %s", src.Name, src.Mode, problem)
		}
		return t.assumeRole(p, prev)
	case "External":
		if externalDisabled() {
			return nil, "external credential processes are turned off by ALIBABA_CLOUD_DISABLE_EXTERNAL_PROCESS"
		}
		if m := need("process_command"); m != "" {
			return nil, m
		}
		return newExternalProvider(p.ProcessCommand, t.cleanText), ""
	case "CredentialsURI":
		if externalDisabled() {
			return nil, "external credential sources are turned off by ALIBABA_CLOUD_DISABLE_EXTERNAL_PROCESS"
		}
		uri := p.CredentialsURI
		if uri == "" {
			uri = os.Getenv("ALIBABA_CLOUD_CREDENTIALS_URI")
		}
		if uri == "" {
			return nil, "credentials_uri not set (nor ALIBABA_CLOUD_CREDENTIALS_URI); " + configure
		}
		return t.build(providers.NewURLCredentialsProviderBuilder().WithUrl(uri).Build())
	case "OIDC":
		if m := need("oidc_provider_arn", "oidc_token_file", "ram_role_arn"); m != "" {
			return nil, m
		}
		return t.build(providers.NewOIDCCredentialsProviderBuilder().WithOIDCTokenFilePath(p.OIDCTokenFile).
			WithOIDCProviderARN(p.OIDCProviderARN).WithRoleArn(p.RAMRoleARN).WithRoleSessionName(p.RoleSessionName).
			WithStsRegionId(p.StsRegion).WithSTSEndpoint(t.stsFor(p)).WithDurationSeconds(3600).Build())
	case "CloudSSO":
		if m := need("cloud_sso_sign_in_url", "cloud_sso_account_id", "cloud_sso_access_config"); m != "" {
			return nil, m
		}
		if pr := cachedSTS(); pr != nil {
			return pr, ""
		}
		if p.AccessToken == "" || p.CloudSSOAccessTokenExpire <= now {
			return nil, fmt.Sprintf("the CloudSSO sign-in has expired; run 'aliyun configure --profile %s --mode CloudSSO' to sign in again", p.Name)
		}
		return t.build(providers.NewCloudSSOCredentialsProviderBuilder().WithSignInUrl(p.CloudSSOSignInURL).
			WithAccountId(p.CloudSSOAccountID).WithAccessConfig(p.CloudSSOAccessConfig).
			WithAccessToken(p.AccessToken).WithAccessTokenExpire(p.CloudSSOAccessTokenExpire).Build())
	case "OAuth":
		if site := strings.ToUpper(p.OAuthSiteType); site != "CN" && site != "INTL" {
			return nil, fmt.Sprintf("oauth_site_type %q: want CN or INTL; %s", p.OAuthSiteType, configure)
		}
		if pr := cachedSTS(); pr != nil {
			return pr, ""
		}
		if p.OAuthRefreshToken == "" && p.OAuthAccessToken == "" {
			return nil, fmt.Sprintf("the OAuth sign-in has no tokens; run 'aliyun configure --profile %s --mode OAuth' to sign in", p.Name)
		}
		// The OAuth exchange rotates the refresh token: credentials-go
		// writes the new tokens back to the profile, as the aliyun CLI
		// does, or the CLI's sign-in would be lost.
		return t.build(providers.NewCLIProfileCredentialsProviderBuilder().WithProfileFile(cliConfigPath()).
			WithProfileName(p.Name).Build())
	case "":
		return nil, "the profile has no mode; " + fmt.Sprintf("run 'aliyun configure --profile %s'", p.Name)
	}
	return nil, fmt.Sprintf("mode %s is not supported by apigw-preflight (supported: %s); "+
		"use a profile of a supported mode, or the environment variables", p.Mode, strings.Join(SupportedModes, ", "))
}

// assumeRole is a RAM role assumed with prev's credentials.
func (t *credentialTracker) assumeRole(p *cliProfile, prev providers.CredentialsProvider) (providers.CredentialsProvider, string) {
	return t.build(providers.NewRAMRoleARNCredentialsProviderBuilder().WithCredentialsProvider(prev).
		WithRoleArn(p.RAMRoleARN).WithRoleSessionName(p.RoleSessionName).WithDurationSeconds(p.ExpiredSeconds).
		WithStsRegionId(p.StsRegion).WithExternalId(p.ExternalID).WithStsEndpoint(t.stsFor(p)).Build())
}

// ecs is the ECS RAM role from the instance metadata service.
func (t *credentialTracker) ecs(role string) (providers.CredentialsProvider, string) {
	if ecsDisabled() {
		return nil, "the ECS metadata service is turned off by ALIBABA_CLOUD_ECS_METADATA_DISABLED=true"
	}
	b := providers.NewECSRAMRoleCredentialsProviderBuilder().WithRoleName(role)
	if metadataProxy != "" {
		b = b.WithHttpOptions(&providers.HttpOptions{Proxy: metadataProxy})
	}
	return t.build(b.Build())
}

func (t *credentialTracker) iniStep(name string) *chainStep {
	shown := name
	if shown == "" {
		shown = os.Getenv("ALIBABA_CLOUD_PROFILE")
	}
	if shown == "" {
		shown = "default"
	}
	s := &chainStep{label: fmt.Sprintf("profile %q in the credentials file %s", shown, displayPath(iniPath()))}
	f, reason := readINI()
	switch {
	case f == nil && strings.HasSuffix(reason, "does not exist"):
		s.label, s.skip = "credentials file "+displayPath(iniPath()), reason
	case f == nil:
		s.problem = reason
	case !slices.Contains(f.sections, shown):
		s.label, s.skip = "credentials file "+displayPath(iniPath()), fmt.Sprintf("has no profile %q", shown)
	default:
		s.provider, s.problem = t.build(providers.NewProfileCredentialsProviderBuilder().WithProfileName(shown).Build())
	}
	return s
}

func (t *credentialTracker) ecsStep() *chainStep {
	s := &chainStep{label: "ECS RAM role from the instance metadata service"}
	if ecsDisabled() {
		s.skip = "turned off by ALIBABA_CLOUD_ECS_METADATA_DISABLED=true"
		return s
	}
	s.provider, s.problem = t.ecs("")
	return s
}

func (t *credentialTracker) uriStep() *chainStep {
	s := &chainStep{label: "ALIBABA_CLOUD_CREDENTIALS_URI"}
	if os.Getenv("ALIBABA_CLOUD_CREDENTIALS_URI") == "" {
		s.skip = "not set"
		return s
	}
	s.provider, s.problem = t.build(providers.NewURLCredentialsProviderBuilder().Build())
	return s
}

// build turns a credentials-go builder's result into a provider or a
// problem fit to show.
func (t *credentialTracker) build(p providers.CredentialsProvider, err error) (providers.CredentialsProvider, string) {
	if err != nil {
		return nil, t.cleanText(err.Error())
	}
	return p, ""
}

// stsFor is the STS endpoint of a profile: its sts_endpoint, else
// ALIBABA_CLOUD_STS_ENDPOINT (both as the aliyun CLI reads them), else ""
// for credentials-go's choice (sts.REGION.aliyuncs.com from sts_region or
// ALIBABA_CLOUD_STS_REGION, else sts.aliyuncs.com). STS is always called
// over HTTPS; a scheme given is dropped, as the CLI does.
func (t *credentialTracker) stsFor(p *cliProfile) string {
	ep := t.stsEndpoint
	if p != nil && p.StsEndpoint != "" {
		ep = p.StsEndpoint
	}
	return stsHost(ep)
}

func stsHost(ep string) string {
	ep = strings.TrimSpace(ep)
	ep = strings.TrimPrefix(ep, "https://")
	ep = strings.TrimPrefix(ep, "http://")
	return strings.TrimSuffix(ep, "/")
}

func ecsDisabled() bool {
	return strings.EqualFold(os.Getenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED"), "true")
}

func externalDisabled() bool {
	v := os.Getenv("ALIBABA_CLOUD_DISABLE_EXTERNAL_PROCESS")
	return v == "1" || strings.EqualFold(v, "true")
}

// cleanText is a provider's message fit to show: secrets removed, the
// first line only, cut short. Called with or without t.mu held: it reads
// only the secrets, which are set before the chain is asked.
func (t *credentialTracker) cleanText(s string) string {
	s = RedactSecrets(t.redactLocked(s))
	if first, _, cut := strings.Cut(s, "\n"); cut {
		s = first
	}
	return Truncate(s, 240)
}

// resolve asks the chain for credentials: the step that answered before,
// else each step in order. Called with t.mu held. It returns the message
// of a failure, naming every source and why it gave nothing.
func (t *credentialTracker) resolve() (*chainStep, *providers.Credentials, string) {
	if t.used != nil {
		cc, err := t.used.provider.GetCredentials()
		if err == nil && cc != nil {
			return t.used, cc, ""
		}
		if err != nil {
			t.used.failure = t.cleanText(err.Error())
		}
		return nil, nil, fmt.Sprintf("the credentials from %s could no longer be had: %s", t.used.label, t.used.failure)
	}
	for _, s := range t.steps {
		if s.provider == nil {
			continue
		}
		cc, err := s.provider.GetCredentials()
		if err == nil && cc != nil && cc.AccessKeyId != "" {
			return s, cc, ""
		}
		s.failure = "gave no access key"
		if err != nil {
			s.failure = t.cleanText(err.Error())
		}
	}
	return nil, nil, t.chainFailure()
}

// chainFailure explains, without a provider's raw text, why no
// credentials were found and what to do.
func (t *credentialTracker) chainFailure() string {
	var parts []string
	for _, s := range t.steps {
		switch {
		case s.problem != "":
			parts = append(parts, s.problem)
		case s.skip == "not set":
			parts = append(parts, s.label+" not set")
		case strings.HasPrefix(s.skip, "~") || strings.HasPrefix(s.skip, "/"):
			parts = append(parts, s.skip) // a file's path says what it is
		case s.skip != "":
			parts = append(parts, s.label+": "+s.skip)
		case s.failure != "":
			parts = append(parts, s.label+": "+s.failure)
		}
	}
	if t.profile != "" {
		return fmt.Sprintf("no credentials for --profile %s: %s", t.profile, strings.Join(parts, "; "))
	}
	return "no credentials found: " + strings.Join(parts, "; ") +
		"; set the environment variables, run 'aliyun configure', or pass --profile"
}

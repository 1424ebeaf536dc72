package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// STSVersion is the STS API version the emulator speaks.
const STSVersion = "2015-04-01"

// Role is a RAM role the emulator's STS lets callers assume.
type Role struct {
	// ARN, like acs:ram::1234567890123456:role/preflight.
	ARN string
	// TrustedKeys are the access key IDs allowed to AssumeRole it; empty
	// allows any authenticated caller.
	TrustedKeys []string
	// OIDCProviderARN and OIDCToken, when set, allow AssumeRoleWithOIDC
	// with exactly that provider and token.
	OIDCProviderARN, OIDCToken string
}

// Identity is who made a request: the access key ID and security token
// it was signed with ("" for an unsigned AssumeRoleWithOIDC). Tests read
// it to check which credentials reached the emulator; it is never logged.
type Identity struct {
	Action, AccessKeyID, SecurityToken string
}

// stsState is the emulator's STS: roles and the credentials it issued.
type stsState struct {
	roles      map[string]Role
	issued     int
	identities []Identity
}

// WithRole lets callers assume r through the emulator's STS
// (AssumeRole, AssumeRoleWithOIDC). The STS credentials it issues are
// accepted by every product until the emulator stops.
func WithRole(r Role) Option {
	return func(s *Server) {
		if s.sts.roles == nil {
			s.sts.roles = map[string]Role{}
		}
		s.sts.roles[r.ARN] = r
	}
}

var stsProduct = &product{name: "Sts", version: STSVersion, host: "sts.%s.aliyuncs.com"}

// unsignedActions authenticate by other means than an access key
// signature: AssumeRoleWithOIDC carries the OIDC token instead.
var unsignedActions = map[string]bool{"AssumeRoleWithOIDC": true}

func init() {
	stsProduct.actions = map[string]handler{
		"AssumeRole":         (*Server).assumeRole,
		"AssumeRoleWithOIDC": (*Server).assumeRoleWithOIDC,
	}
	products = append(products, stsProduct)
}

// Identities returns who made each authenticated request, in order (the
// latest maxIdentities).
func (s *Server) Identities() []Identity {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sts.identities)
}

// recordIdentity notes who made an authenticated request.
func (s *Server) recordIdentity(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sts.identities = append(s.sts.identities, Identity{Action: c.action, AccessKeyID: c.params["AccessKeyId"], SecurityToken: c.params["SecurityToken"]})
	if len(s.sts.identities) > maxIdentities {
		s.sts.identities = s.sts.identities[len(s.sts.identities)-maxIdentities:]
	}
}

// maxIdentities bounds the memory of recorded identities (the latest kept).
const maxIdentities = 10000

func (s *Server) assumeRole(c *call) (map[string]any, *apiError) {
	arn := c.params["RoleArn"]
	if arn == "" {
		return nil, missing("RoleArn")
	}
	r, ok := s.sts.roles[arn]
	if !ok {
		return nil, errorf(404, "EntityNotExist.Role", "The role %q does not exist.", truncate(arn, 128))
	}
	if len(r.TrustedKeys) > 0 && !slices.Contains(r.TrustedKeys, c.params["AccessKeyId"]) {
		return nil, errorf(403, "NoPermission", "You are not authorized to assume the role %q.", truncate(arn, 128))
	}
	return s.issue(r, c)
}

func (s *Server) assumeRoleWithOIDC(c *call) (map[string]any, *apiError) {
	for _, name := range []string{"RoleArn", "OIDCProviderArn", "OIDCToken"} {
		if c.params[name] == "" {
			return nil, missing(name)
		}
	}
	r, ok := s.sts.roles[c.params["RoleArn"]]
	if !ok {
		return nil, errorf(404, "EntityNotExist.Role", "The role %q does not exist.", truncate(c.params["RoleArn"], 128))
	}
	if r.OIDCProviderARN == "" || r.OIDCProviderARN != c.params["OIDCProviderArn"] {
		return nil, errorf(404, "EntityNotExist.OIDCProvider", "The OIDC provider %q is not trusted by the role.", truncate(c.params["OIDCProviderArn"], 128))
	}
	if c.params["OIDCToken"] != r.OIDCToken {
		return nil, errorf(400, "AuthenticationFail.OIDCToken.Invalid", "The OIDC token is not valid.")
	}
	return s.issue(r, c)
}

// issue creates STS credentials for role r, accepted from now on. Called
// with s.mu held.
func (s *Server) issue(r Role, c *call) (map[string]any, *apiError) {
	duration := 3600
	if v := c.params["DurationSeconds"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 900 || n > 43200 {
			return nil, invalid("DurationSeconds", v)
		}
		duration = n
	}
	session := c.params["RoleSessionName"]
	if session == "" {
		return nil, missing("RoleSessionName")
	}
	s.sts.issued++
	seed := fmt.Sprintf("%s|%s|%d", r.ARN, session, s.sts.issued)
	sum := sha256.Sum256([]byte(seed))
	b64 := base64.StdEncoding.EncodeToString(sum[:])
	cred := Credential{
		AccessKeyID:     fmt.Sprintf("STS.NT%04d%s", s.sts.issued, strings.ToUpper(fmt.Sprintf("%x", sum[:6]))),
		AccessKeySecret: strings.NewReplacer("+", "x", "/", "y", "=", "").Replace(b64),
		SecurityToken:   "CAIS" + strings.Repeat(b64, 8),
	}
	s.creds[cred.AccessKeyID] = cred
	return map[string]any{
		"AssumedRoleUser": map[string]any{"Arn": r.ARN + "/" + session, "AssumedRoleId": fmt.Sprintf("30%014d:%s", s.sts.issued, session)},
		"Credentials": map[string]any{
			"AccessKeyId":     cred.AccessKeyID,
			"AccessKeySecret": cred.AccessKeySecret,
			"SecurityToken":   cred.SecurityToken,
			"Expiration":      time.Now().UTC().Add(time.Duration(duration) * time.Second).Format("2006-01-02T15:04:05Z"),
		},
	}, nil
}

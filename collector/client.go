package collector

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
)

// Products the collector calls.
const (
	ProductCloudAPI = "CloudAPI"
	ProductECS      = "Ecs"
)

var products = map[string]struct{ version, domain string }{
	ProductCloudAPI: {"2016-07-14", "apigateway.%s.aliyuncs.com"},
	ProductECS:      {"2014-05-26", "ecs.%s.aliyuncs.com"},
}

// API is what the collector needs from the cloud: one RPC call returning
// the raw JSON response body. Errors are *APIError values.
type API interface {
	Call(ctx context.Context, product, action string, params map[string]string) ([]byte, error)
}

// Client-side error codes, for failures that never reached an API answer.
const (
	CodeTimeout           = "Timeout"           // connect or read timeout
	CodeTransport         = "Transport"         // connection refused, reset, EOF
	CodeTLS               = "TLS"               // certificate problems; not retried
	CodeMalformedResponse = "MalformedResponse" // 2xx body that is not a JSON object
	CodeNoCredentials     = "NoCredentials"     // the credentials chain found nothing
)

// APIError is a failed cloud call: the API's Code, Message and RequestId
// (or a client-side Code above), never a credential secret.
type APIError struct {
	// Call is the action, e.g. DescribeApiGroup.
	Call       string
	Code       string
	Message    string
	RequestID  string
	HTTPStatus int
	// Attempts is how many tries were made, when more than one.
	Attempts int
	// Hint says what to do, e.g. which credential source was used.
	Hint string

	credential bool
}

func (e *APIError) Error() string {
	var b strings.Builder
	if e.Call != "" {
		b.WriteString(e.Call + ": ")
	}
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	var extra []string
	if e.RequestID != "" {
		extra = append(extra, "RequestId "+e.RequestID)
	}
	if e.Attempts > 1 {
		extra = append(extra, fmt.Sprintf("gave up after %d tries", e.Attempts))
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// IsCredential reports whether the error means the credentials are
// missing or were rejected.
func (e *APIError) IsCredential() bool { return e.credential }

func asAPIError(err error) (*APIError, bool) {
	var ae *APIError
	ok := errors.As(err, &ae)
	return ae, ok
}

// ClientOptions configure the SDK-backed client.
type ClientOptions struct {
	// RegionID; empty resolves via ResolveRegion (environment, profile).
	RegionID string
	// Profile selects a profile of ~/.aliyun/config.json (or the ini
	// credentials file); empty uses the SDK's default credentials chain.
	Profile string
	// Endpoint, like http://127.0.0.1:8080, sends every product's calls to
	// that one endpoint with that scheme. Empty: the regional HTTPS
	// endpoints (apigateway.REGION.aliyuncs.com, ecs.REGION.aliyuncs.com).
	Endpoint string
	// ConnectTimeout and ReadTimeout bound each HTTP request (defaults
	// 5s and 20s). ReadTimeout covers the whole exchange.
	ConnectTimeout, ReadTimeout time.Duration
	// UserAgent is appended to the SDK's user agent, e.g. "apigw-preflight/1.2.0".
	UserAgent string

	// credentials replaces the tracked provider chain (tests).
	credentials credentials.CredentialsProvider
}

// Client is the API over the Alibaba Cloud Go SDK.
type Client struct {
	sdk    *sdk.Client
	region string
	scheme string
	domain string // endpoint override host[:port]; "" for regional endpoints
	creds  *credentialTracker

	transport *ctxTransport

	mu sync.Mutex // one call at a time: the SDK client mutates its timeouts per request
}

// ctxTransport lets a call's context cancel the HTTP request in flight,
// which the SDK (it takes no context) cannot do. Calls are serialized by
// Client.mu, so one current context is enough.
type ctxTransport struct {
	base *http.Transport

	mu  sync.Mutex
	ctx context.Context
}

func (t *ctxTransport) set(ctx context.Context) {
	t.mu.Lock()
	t.ctx = ctx
	t.mu.Unlock()
}

func (t *ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	ctx := t.ctx
	t.mu.Unlock()
	if ctx != nil {
		r = r.WithContext(ctx)
	}
	return t.base.RoundTrip(r)
}

// NewClient builds a client with the SDK's default credentials chain (or
// the profile asked for). No call is made.
func NewClient(opts ClientOptions) (*Client, error) {
	region := opts.RegionID
	if region == "" {
		r, _, err := ResolveRegion("", opts.Profile)
		if err != nil {
			return nil, err
		}
		region = r
	}
	c := &Client{region: region, scheme: "HTTPS"}
	if opts.Endpoint != "" {
		u, err := url.Parse(opts.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, fmt.Errorf("endpoint %q: want a URL like https://host[:port] or http://127.0.0.1:8080", opts.Endpoint)
		}
		c.scheme = strings.ToUpper(u.Scheme)
		c.domain = u.Host
	}
	c.creds = newCredentialTracker(opts.Profile)
	if opts.credentials != nil {
		c.creds.inner = opts.credentials
	}
	connect, read := opts.ConnectTimeout, opts.ReadTimeout
	if connect <= 0 {
		connect = 5 * time.Second
	}
	if read <= 0 {
		read = 20 * time.Second
	}
	// The SDK only tunes an *http.Transport it owns; this one is set up
	// here: connect timeout, proxies from the environment, verified TLS.
	c.transport = &ctxTransport{base: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: connect + 5*time.Second,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
	}}
	cfg := sdk.NewConfig().WithAutoRetry(false).WithScheme(c.scheme)
	cfg.Transport = c.transport
	if opts.UserAgent != "" {
		cfg = cfg.WithUserAgent(opts.UserAgent)
	}
	client, err := sdk.NewClientWithOptions(region, cfg, c.creds)
	if err != nil {
		return nil, fmt.Errorf("build SDK client: %v", c.creds.redact(err.Error()))
	}
	client.SetConnectTimeout(connect)
	client.SetReadTimeout(read)
	c.sdk = client
	return c, nil
}

// Region is the region the client calls.
func (c *Client) Region() string { return c.region }

// CredentialSource names where the credentials came from once a call has
// been made ("no credentials yet" before). Never the secret.
func (c *Client) CredentialSource() string { return c.creds.Source() }

// Redact removes the credential secrets the client knows of from s.
func (c *Client) Redact(s string) string { return c.creds.redact(s) }

// Call makes one RPC call (POST, parameters in the query string) and
// returns the response body. ctx cancels the wait; the request itself is
// bounded by the client's timeouts.
func (c *Client) Call(ctx context.Context, product, action string, params map[string]string) ([]byte, error) {
	p, ok := products[product]
	if !ok {
		return nil, fmt.Errorf("%s: unknown product %q", action, product)
	}
	req := requests.NewCommonRequest()
	req.Method = requests.POST
	req.Product = product
	req.Version = p.version
	req.ApiName = action
	req.Scheme = c.scheme
	req.Domain = c.domain
	if req.Domain == "" {
		req.Domain = fmt.Sprintf(p.domain, c.region)
	}
	for k, v := range params {
		req.QueryParams[k] = v
	}

	type result struct {
		body []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.transport.set(ctx)
		defer c.transport.set(nil)
		resp, err := c.sdk.ProcessCommonRequest(req)
		if err != nil {
			done <- result{err: c.mapError(action, err)}
			return
		}
		done <- result{body: resp.GetHttpContentBytes()}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-done:
		return r.body, r.err
	}
}

// mapError turns SDK and transport errors into *APIError, redacted. The
// SDK's own messages are not used as they are: a *url.Error quotes the
// signed URL (with any STS token) and a ServerError its response headers.
func (c *Client) mapError(action string, err error) error {
	var ae *APIError
	if errors.As(err, &ae) { // from the credentials tracker
		cp := *ae
		cp.Call = action
		return &cp
	}
	var se *sdkerrors.ServerError
	if errors.As(err, &se) {
		out := &APIError{
			Call:       action,
			Code:       se.ErrorCode(),
			Message:    c.creds.redact(truncate(se.Message(), 500)),
			RequestID:  se.RequestId(),
			HTTPStatus: se.HttpStatus(),
		}
		if isCredentialCode(out.Code) {
			out.credential = true
			out.Hint = c.creds.hint(out.Code)
		}
		return out
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		inner := ue.Err
		out := &APIError{Call: action, Code: CodeTransport, Message: c.creds.redact(inner.Error())}
		var ne net.Error
		var unknownAuthority x509.UnknownAuthorityError
		var hostname x509.HostnameError
		var verify *tls.CertificateVerificationError
		switch {
		case errors.As(inner, &unknownAuthority), errors.As(inner, &hostname), errors.As(inner, &verify):
			out.Code = CodeTLS
		case errors.As(inner, &ne) && ne.Timeout():
			out.Code = CodeTimeout
		}
		return out
	}
	var ce sdkerrors.Error
	if errors.As(err, &ce) {
		code := ce.ErrorCode()
		if code == sdkerrors.TimeoutErrorCode {
			code = CodeTimeout
		}
		return &APIError{Call: action, Code: code, Message: c.creds.redact(truncate(ce.Message(), 500))}
	}
	return fmt.Errorf("%s: %s", action, c.creds.redact(err.Error()))
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

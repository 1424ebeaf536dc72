package cloud

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"

	// Initialised before the SDK: its debug switch never turns on.
	"github.com/apigw-preflight/apigw-preflight/cloud/internal/quietsdk"

	"github.com/apigw-preflight/apigw-preflight/cloud/calls"
)

// Products the tool calls (see the registry in package calls).
const (
	ProductCloudAPI = calls.ProductCloudAPI
	ProductECS      = calls.ProductECS
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
// An error page without an API error code (a proxy's HTML 502) gets the
// code HTTP followed by its status: HTTP502.
const (
	CodeTimeout           = "Timeout"           // connect or read timeout, or the call's time ran out
	CodeTransport         = "Transport"         // connection refused, reset or cut, EOF, a body that broke off
	CodeTLS               = "TLS"               // certificate problems; not retried
	CodeUnknownHost       = "UnknownHost"       // the endpoint's host name does not exist (NXDOMAIN); not retried
	CodeMalformedResponse = "MalformedResponse" // 2xx body that is not a JSON object
	CodeNoCredentials     = "NoCredentials"     // the credentials chain found nothing
	CodeResponseTooLarge  = "ResponseTooLarge"  // the answer exceeds ClientOptions.MaxResponseBytes; not retried
)

// ErrorKind tells what a failed call says about the request: whether the
// cloud refused it, never got it, or may have carried it out.
type ErrorKind string

// Error kinds, from ClassifyError.
const (
	// KindAPI: the cloud answered with an explicit API error code
	// (Throttling, InvalidParameter, MigrationInProgress, InternalError,
	// ...). The answer was read in full.
	KindAPI ErrorKind = "api"
	// KindNotSent: the request never reached the cloud: no credentials,
	// the host did not resolve, the connection was refused, the server's
	// certificate was not trusted.
	KindNotSent ErrorKind = "not-sent"
	// KindAmbiguous: the request may have been carried out. No complete
	// answer was read (a connection reset or cut after the request went
	// out, a timeout, a body that broke off or was too large), a 2xx
	// answer could not be decoded, an error page carried no API error code
	// (HTTP502), or the context ended while the call was in flight.
	KindAmbiguous ErrorKind = "ambiguous"
)

// ClassifyError returns the kind of a failed call's error ("" for nil).
// Errors that are not an *APIError are KindAmbiguous when they are a
// context's end (the call may have been in flight) and KindNotSent
// otherwise (they come from before the request was made).
func ClassifyError(err error) ErrorKind {
	if err == nil {
		return ""
	}
	ae, ok := AsAPIError(err)
	if !ok {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return KindAmbiguous
		}
		return KindNotSent
	}
	if ae.Kind != "" {
		return ae.Kind
	}
	switch {
	case ae.credential || ae.Code == CodeNoCredentials || ae.Code == CodeTLS || ae.Code == CodeUnknownHost:
		return KindNotSent
	case ae.Code == CodeTimeout, ae.Code == CodeTransport, ae.Code == CodeMalformedResponse,
		ae.Code == CodeResponseTooLarge, httpCode(ae.Code), ae.Code == "":
		return KindAmbiguous
	}
	return KindAPI
}

// Ambiguous reports whether err leaves open whether the cloud carried out
// the request (KindAmbiguous): for a write, the target must be read before
// anything is concluded.
func Ambiguous(err error) bool { return ClassifyError(err) == KindAmbiguous }

// httpCode reports a code of the form HTTP502.
func httpCode(code string) bool {
	rest, ok := strings.CutPrefix(code, "HTTP")
	if !ok || len(rest) != 3 {
		return false
	}
	_, err := strconv.Atoi(rest)
	return err == nil
}

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
	// Kind tells whether the cloud refused, never got or may have carried
	// out the request; empty when set by hand (ClassifyError then derives
	// it from Code).
	Kind ErrorKind

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

// AsAPIError finds the *APIError in err's chain.
func AsAPIError(err error) (*APIError, bool) {
	var ae *APIError
	ok := errors.As(err, &ae)
	return ae, ok
}

// ClientOptions configure the SDK-backed client.
type ClientOptions struct {
	// RegionID; empty resolves via ResolveRegion (environment, profile).
	RegionID string
	// Profile selects a profile of ~/.aliyun/config.json (or the ini
	// credentials file); empty uses the default credentials chain (see
	// credentials.go).
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
	// MaxResponseBytes bounds one answer's body (default
	// DefaultMaxResponseBytes); a longer one fails with
	// CodeResponseTooLarge without being read further.
	MaxResponseBytes int64
	// InsecureEndpoint allows an http:// Endpoint on a host that is not a
	// loopback address. The signed requests, with any STS token, then
	// travel unencrypted.
	InsecureEndpoint bool

	// Key, when set, replaces the credentials chain with this one key
	// (with an STS token when SecurityToken is set). Its secrets are
	// redacted like any the chain hands out.
	Key *AccessKey
}

// AccessKey is a fixed access key pair, with an STS token for temporary
// credentials.
type AccessKey struct {
	ID, Secret, SecurityToken string
}

// DefaultMaxResponseBytes is the default bound of one answer's body.
const DefaultMaxResponseBytes = 16 << 20

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
// which the SDK (it takes no context) cannot do, and bounds the answer's
// body. Calls are serialized by Client.mu, so one current context is enough.
type ctxTransport struct {
	base    *http.Transport
	maxBody int64

	mu  sync.Mutex
	ctx context.Context
}

func (t *ctxTransport) set(ctx context.Context) {
	t.mu.Lock()
	t.ctx = ctx
	t.mu.Unlock()
}

// reset forgets the context of the call that ended.
func (t *ctxTransport) reset() {
	t.mu.Lock()
	t.ctx = nil
	t.mu.Unlock()
}

func (t *ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	ctx := t.ctx
	t.mu.Unlock()
	if ctx != nil {
		r = r.WithContext(ctx)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.maxBody {
		resp.Body.Close()
		return nil, &tooLargeError{limit: t.maxBody, announced: resp.ContentLength}
	}
	resp.Body = &limitedBody{rc: resp.Body, limit: t.maxBody}
	return resp, nil
}

// tooLargeError is an answer longer than the client accepts.
type tooLargeError struct {
	limit, announced int64
}

func (e *tooLargeError) Error() string {
	if e.announced > 0 {
		return fmt.Sprintf("the answer is %d bytes, more than the %s accepted", e.announced, sizeText(e.limit))
	}
	return fmt.Sprintf("the answer is longer than the %s accepted", sizeText(e.limit))
}

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// bodyError is a failure while an answer's body was read: the request went
// out and an answer began, so it may have been carried out.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "reading the answer: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// limitedBody reads at most limit bytes and marks read errors as bodyError.
type limitedBody struct {
	rc          io.ReadCloser
	limit, read int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.read > b.limit {
		return 0, &tooLargeError{limit: b.limit}
	}
	if room := b.limit - b.read + 1; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.rc.Read(p)
	b.read += int64(n)
	if b.read > b.limit {
		return n - int(b.read-b.limit), &tooLargeError{limit: b.limit}
	}
	if err != nil && err != io.EOF {
		err = &bodyError{err: err}
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// NewClient builds a client with the credentials chain (or the profile
// asked for). No call is made. An explicit profile that does not exist is
// reported before a missing region: it is the first thing to fix.
func NewClient(opts ClientOptions) (*Client, error) {
	if opts.Key == nil {
		if err := CheckProfile(opts.Profile); err != nil {
			return nil, err
		}
	}
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
		if u.Scheme == "http" && !opts.InsecureEndpoint && !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("endpoint %s: plain http to a host that is not a loopback address would send the signed requests, "+
				"security token included, unencrypted; use https://, or pass --insecure-endpoint to accept that", opts.Endpoint)
		}
		c.scheme = strings.ToUpper(u.Scheme)
		c.domain = u.Host
	}
	c.creds = newCredentialTracker(opts.Profile, opts.Key)
	connect, read := opts.ConnectTimeout, opts.ReadTimeout
	if connect <= 0 {
		connect = 5 * time.Second
	}
	if read <= 0 {
		read = 20 * time.Second
	}
	// The SDK only tunes an *http.Transport it owns; this one is set up
	// here: connect timeout, proxies from the environment, verified TLS.
	maxBody := opts.MaxResponseBytes
	if maxBody <= 0 {
		maxBody = DefaultMaxResponseBytes
	}
	c.transport = &ctxTransport{maxBody: maxBody, base: &http.Transport{
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

// isLoopback reports a host name or address that stays on this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// SDKDebugIgnored lists the entries of the DEBUG environment variable that
// were removed so that the SDK never prints signed requests (DEBUG=sdk).
func SDKDebugIgnored() []string { return quietsdk.Removed() }

// Region is the region the client calls.
func (c *Client) Region() string { return c.region }

// CredentialSource names where the credentials came from once a call has
// been made ("no credentials yet" before). Never the secret.
func (c *Client) CredentialSource() string { return c.creds.Source() }

// clean is a message fit to show: the credential secrets the client knows
// of (raw and percent-encoded) removed, then the values of parameters that
// carry secrets whoever they belong to (SecurityToken=, Signature=,
// AccessKeySecret, in their encoded forms too; see RedactSecrets), then cut
// to n bytes. Every message of an error the client returns is cleaned.
func (c *Client) clean(s string, n int) string {
	return Truncate(RedactSecrets(c.creds.redact(s)), n)
}

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
		defer c.transport.reset()
		defer func() {
			// The SDK asserts the types of an error answer's fields (a
			// numeric Code panics); an answer must never crash the tool.
			if v := recover(); v != nil {
				done <- result{err: &APIError{Call: action, Code: CodeMalformedResponse, Kind: KindAmbiguous,
					Message: c.clean(fmt.Sprintf("the answer could not be read: %v", v), 300)}}
			}
		}()
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
// Every message is redacted before it is shortened, so that no prefix of a
// secret survives the cut.
func (c *Client) mapError(action string, err error) error {
	var ae *APIError
	if errors.As(err, &ae) { // from the credentials tracker
		cp := *ae
		cp.Call = action
		cp.Kind = KindNotSent
		return &cp
	}
	var se *sdkerrors.ServerError
	if errors.As(err, &se) {
		out := &APIError{
			Call:       action,
			Code:       se.ErrorCode(),
			Message:    c.clean(se.Message(), 500),
			RequestID:  se.RequestId(),
			HTTPStatus: se.HttpStatus(),
			Kind:       KindAPI,
		}
		if strings.TrimSpace(out.Code) == "" {
			out.Code = fmt.Sprintf("HTTP%d", se.HttpStatus())
			out.Message = c.errorPage(se)
			out.Kind = KindAmbiguous
		}
		if isCredentialCode(out.Code) {
			out.credential = true
			out.Hint = c.creds.hint(out.Code)
			// The string-to-sign the cloud quotes helps nobody reading
			// the message (the hint says what to check).
			if before, _, cut := strings.Cut(out.Message, "server string to sign is:"); cut {
				out.Message = strings.TrimSpace(before)
			}
		}
		return out
	}
	if code, kind, ok := transportError(err); ok {
		inner := err
		var ue *url.Error
		if errors.As(err, &ue) {
			inner = ue.Err // the URL is signed and may carry a token
		}
		msg := c.clean(inner.Error(), 300)
		if code == CodeUnknownHost {
			msg += "; the host name does not exist: check --region (the regional endpoint is apigateway.REGION.aliyuncs.com) or --endpoint"
		}
		return &APIError{Call: action, Code: code, Kind: kind, Message: msg}
	}
	var ce sdkerrors.Error
	if errors.As(err, &ce) {
		code := ce.ErrorCode()
		kind := KindNotSent
		if code == sdkerrors.TimeoutErrorCode {
			code, kind = CodeTimeout, KindAmbiguous
		}
		return &APIError{Call: action, Code: code, Kind: kind, Message: c.clean(ce.Message(), 500)}
	}
	return fmt.Errorf("%s: %s", action, c.clean(err.Error(), 500))
}

// errorPage describes an error answer without an API error code, such as a
// proxy's HTML page: its status, its type and the start of its text.
func (c *Client) errorPage(se *sdkerrors.ServerError) string {
	ctype := ""
	for k, v := range se.RespHeaders {
		if strings.EqualFold(k, "Content-Type") && len(v) > 0 {
			ctype, _, _ = strings.Cut(v[0], ";")
		}
	}
	text := tagRE.ReplaceAllString(se.Message(), " ")
	text = strings.Join(strings.Fields(text), " ")
	msg := fmt.Sprintf("HTTP %d %s without an API error code", se.HttpStatus(), http.StatusText(se.HttpStatus()))
	if ctype != "" {
		msg += " (" + strings.TrimSpace(ctype) + ")"
	}
	if text != "" {
		msg += ": " + c.clean(text, 200)
	}
	return msg
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// transportError classifies an error of the HTTP exchange itself.
func transportError(err error) (code string, kind ErrorKind, ok bool) {
	var tooLarge *tooLargeError
	var body *bodyError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var verify *tls.CertificateVerificationError
	var dns *net.DNSError
	var op *net.OpError
	var ne net.Error
	var ue *url.Error
	switch {
	case errors.As(err, &tooLarge):
		return CodeResponseTooLarge, KindAmbiguous, true
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &verify):
		return CodeTLS, KindNotSent, true
	case errors.As(err, &dns) && dns.IsNotFound:
		return CodeUnknownHost, KindNotSent, true
	case errors.As(err, &dns):
		return CodeTransport, KindNotSent, true
	case errors.As(err, &op) && op.Op == "dial":
		if op.Timeout() {
			return CodeTimeout, KindNotSent, true
		}
		return CodeTransport, KindNotSent, true
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return CodeTimeout, KindAmbiguous, true
	case errors.As(err, &body), errors.As(err, &ne), errors.As(err, &ue),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, http.ErrBodyReadAfterClose):
		return CodeTransport, KindAmbiguous, true
	}
	return "", "", false
}

// Truncate trims s and cuts it to at most n bytes on a rune boundary,
// marking a cut with "...". Redact first.
func Truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

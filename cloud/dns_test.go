package cloud

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
)

// A host name that does not exist (a mistyped region or endpoint) is not
// retried: it fails at once with a code of its own. Other DNS failures (a
// resolver that timed out) stay transport errors and are retried.
func TestUnknownHostIsNotRetried(t *testing.T) {
	notFound := &url.Error{Op: "Post", URL: "https://apigateway.cn-hangzhuo.aliyuncs.com/",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "apigateway.cn-hangzhuo.aliyuncs.com", IsNotFound: true}}}
	timedOut := &url.Error{Op: "Post", URL: "https://apigateway.cn-hangzhou.aliyuncs.com/",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "i/o timeout", Name: "apigateway.cn-hangzhou.aliyuncs.com", IsTimeout: true}}}
	for _, tc := range []struct {
		name      string
		err       error
		code      string
		kind      ErrorKind
		retryable bool
	}{
		{"no such host", notFound, CodeUnknownHost, KindNotSent, false},
		{"wrapped no such host", fmt.Errorf("call: %w", notFound), CodeUnknownHost, KindNotSent, false},
		{"resolver timeout", timedOut, CodeTransport, KindNotSent, true},
	} {
		code, kind, ok := transportError(tc.err)
		if !ok || code != tc.code || kind != tc.kind {
			t.Errorf("%s: transportError = %q, %q, %v; want %q, %q", tc.name, code, kind, ok, tc.code, tc.kind)
		}
		ae := &APIError{Call: "DescribeApiGroup", Code: code, Kind: kind}
		if got := Retryable(ae); got != tc.retryable {
			t.Errorf("%s: Retryable = %v, want %v", tc.name, got, tc.retryable)
		}
		if got := ClassifyError(ae); got != tc.kind {
			t.Errorf("%s: ClassifyError = %q, want %q", tc.name, got, tc.kind)
		}
	}
	var ae *APIError
	if err := (&Client{}).mapError("DescribeApiGroup", notFound); !errors.As(err, &ae) || ae.Code != CodeUnknownHost ||
		!strings.Contains(ae.Message, "check --region") || !strings.Contains(ae.Message, "--endpoint") {
		t.Errorf("mapError = %v: want code %s and a hint naming --region and --endpoint", err, CodeUnknownHost)
	}
}

package cloud

import (
	"strings"
	"testing"
)

func TestRedactSecrets(t *testing.T) {
	for in, want := range map[string]string{
		"a=1&SecurityToken=CAIS+abc/def==&b=2":                          "a=1&SecurityToken=[REDACTED]&b=2",
		"GET&%2F&AccessKeyId%3Dx%26SecurityToken%3DCAIS%252Bab%26T%3D1": "GET&%2F&AccessKeyId%3Dx%26SecurityToken%3D[REDACTED]%26T%3D1",
		"x%26SecurityToken%253DCAIS%25252Bab%2526Timestamp":             "x%26SecurityToken%253D[REDACTED]%2526Timestamp",
		"Signature=abc%2Fdef%3D&SignatureMethod=HMAC-SHA1":              "Signature=[REDACTED]&SignatureMethod=HMAC-SHA1",
		`{"AccessKeySecret": "s3cr3t", "AccessKeyId": "id"}`:            `{"AccessKeySecret": "[REDACTED]", "AccessKeyId": "id"}`,
		"x-acs-security-token: CAIS123 next":                            "x-acs-security-token: [REDACTED] next",
		"securitytoken=lower":                                           "securitytoken=[REDACTED]",
		"Specified signature is not matched":                            "Specified signature is not matched",
		"no secrets here":                                               "no secrets here",
	} {
		if got := RedactSecrets(in); got != want {
			t.Errorf("RedactSecrets(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestTruncateIsRuneSafe(t *testing.T) {
	s := strings.Repeat("é", 10) // 2 bytes each
	got := Truncate(s, 5)
	if got != "éé..." {
		t.Errorf("Truncate = %q", got)
	}
}

func TestRedactEncodedForms(t *testing.T) {
	tr := &credentialTracker{}
	tr.addSecret("a/b+c=d", "short")
	in := "raw a/b+c=d, query a%2Fb%2Bc%3Dd, double a%252Fb%252Bc%253Dd"
	got := tr.redact(in)
	if strings.Contains(got, "a/b+c=d") || strings.Contains(got, "a%2Fb") || strings.Contains(got, "a%252F") {
		t.Errorf("redact = %q", got)
	}
	if strings.Count(got, "[REDACTED]") != 3 {
		t.Errorf("redact = %q", got)
	}
}

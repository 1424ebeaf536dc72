package emulator

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"sort"
	"strings"
)

// PercentEncode encodes s per RFC 3986 as the RPC signature wants it: only
// A-Z a-z 0-9 - _ . ~ stay bare, everything else (space included) is %XX of
// its UTF-8 bytes.
func PercentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// StringToSign builds the RPC string-to-sign of method and params; a
// "Signature" entry in params is ignored.
func StringToSign(method string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = PercentEncode(k) + "=" + PercentEncode(params[k])
	}
	return strings.ToUpper(method) + "&" + PercentEncode("/") + "&" + PercentEncode(strings.Join(pairs, "&"))
}

// Sign returns the RPC signature (HMAC-SHA1, signature version 1.0) of
// method and params under secret.
func Sign(method string, params map[string]string, secret string) string {
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(StringToSign(method, params)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signatureMatches compares in constant time.
func signatureMatches(method string, params map[string]string, secret, got string) bool {
	want := Sign(method, params, secret)
	return hmac.Equal([]byte(want), []byte(got))
}

// Package leaktest holds what the secret-leak tests of several packages
// share: a realistic STS token and a search for pieces of secrets in
// output. It is imported by tests only.
package leaktest

import (
	"net/url"
	"strings"

	"github.com/apigw-preflight/apigw-preflight/emulator"
)

// FragmentLen is the length of a piece of a secret that counts as leaked.
const FragmentLen = 16

// LongSTSToken is an STS token of the realistic length of 1,088
// characters, generated from seed so tests can use different ones.
func LongSTSToken(seed uint32) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	b.WriteString("CAIS")
	x := seed
	for b.Len() < 1086 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte(alphabet[x%64])
	}
	b.WriteString("==")
	return b.String()
}

// Fragment returns a piece of FragmentLen characters of a secret, raw,
// percent-encoded once or twice, or query-escaped, that appears in out, or
// "" when none does.
func Fragment(out string, secrets ...string) string {
	grams := map[string]bool{}
	for i := 0; i+FragmentLen <= len(out); i++ {
		grams[out[i:i+FragmentLen]] = true
	}
	for _, sec := range secrets {
		once := emulator.PercentEncode(sec)
		for _, form := range []string{sec, once, emulator.PercentEncode(once), url.QueryEscape(sec)} {
			for i := 0; i+FragmentLen <= len(form); i++ {
				if grams[form[i:i+FragmentLen]] {
					return form[i : i+FragmentLen]
				}
			}
		}
	}
	return ""
}

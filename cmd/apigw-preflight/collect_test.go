package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/emulator"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

func TestCheckSnapshotSize(t *testing.T) {
	if err := checkSnapshotSize(snapshot.MaxSnapshotBytes, snapshot.MaxSnapshotBytes); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	err := checkSnapshotSize(snapshot.MaxSnapshotBytes+1, snapshot.MaxSnapshotBytes)
	if err == nil || !strings.Contains(err.Error(), "more than the 64 MiB a snapshot may hold; nothing was written") {
		t.Errorf("over the limit: %v", err)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"16MiB": 16 << 20, "1048576": 1 << 20, "512KiB": 512 << 10, "2g": 2 << 30, " 3 MB ": 3 << 20, "100b": 100} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1MiB", "lots", "1.5MiB", "99999999GiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

// longSTSToken is an STS token of the realistic length of 1,088 characters.
func longSTSToken() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	b.WriteString("CAIS")
	x := uint32(88172645)
	for b.Len() < 1086 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte(alphabet[x%64])
	}
	b.WriteString("==")
	return b.String()
}

// leakedFragment returns a piece of 16 characters of a secret, raw or
// percent-encoded once or twice, that appears in out, or "".
func leakedFragment(out string, secrets ...string) string {
	const n = 16
	grams := map[string]bool{}
	for i := 0; i+n <= len(out); i++ {
		grams[out[i:i+n]] = true
	}
	for _, sec := range secrets {
		once := emulator.PercentEncode(sec)
		for _, form := range []string{sec, once, emulator.PercentEncode(once), url.QueryEscape(sec)} {
			for i := 0; i+n <= len(form); i++ {
				if grams[form[i:i+n]] {
					return form[i : i+n]
				}
			}
		}
	}
	return ""
}

// TestSecretsNeverLeakCLI drives run and collect with a 1,088-character
// STS token, DEBUG=sdk, answers that echo the request and a wrong secret,
// and greps stdout, stderr, the snapshot, every report and the emulator
// log for any 16-character piece of a secret.
func TestSecretsNeverLeakCLI(t *testing.T) {
	token := longSTSToken()
	const secret = "CliStsSecret-7Hq2Lm9Xv3"
	const wrong = "CliWrongSecret-4Tz8Pk1N"
	raw, err := os.ReadFile(repoFile(t, "testdata/worlds/cli.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	world := strings.Replace(string(raw), "credentials:\n", fmt.Sprintf("credentials:\n  - {accessKeyId: STS.cli, accessKeySecret: %s, securityToken: %q}\n", secret, token), 1)
	w, err := emulator.ParseWorld([]byte(world), "world")
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	srv := emulator.New(w, emulator.WithLog(&log))
	hs := httptest.NewServer(srv)
	defer hs.Close()
	srv.AddFault(emulator.Fault{Action: "DescribeGroupQps", Kind: emulator.KindEcho, Code: "InvalidParameter"})
	srv.AddFault(emulator.Fault{Action: "DescribeApis", Kind: emulator.KindEcho, Code: "Forbidden.RAM"})
	dir := t.TempDir()
	write(t, dir, ".apigw-preflight.yaml", cliConfigFile)
	keys := func(s string) []string {
		return []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=STS.cli", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + s,
			"ALIBABA_CLOUD_SECURITY_TOKEN=" + token, "ALIBABA_CLOUD_REGION_ID=cn-hangzhou", "DEBUG=sdk"}
	}
	var produced strings.Builder
	args := []string{"--group", "g-orders", "--to", "apigateway-hz-ab12cd34ef56", "--endpoint", hs.URL}

	r := runCLI(t, dir, keys(secret), append([]string{"run", "-f", "text", "-f", "json=r.json", "-f", "sarif=r.sarif",
		"-f", "junit=r.xml", "--snapshot-out", "s.json"}, args...)...)
	if r.code != 0 && r.code != 3 {
		t.Fatalf("run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	produced.WriteString(r.stdout + r.stderr)
	if strings.Contains(r.stdout, "> POST") || !strings.Contains(r.stderr, "DEBUG=sdk ignored") {
		t.Errorf("DEBUG=sdk: stdout %q\nstderr %q", r.stdout, r.stderr)
	}
	for _, f := range []string{"r.json", "r.sarif", "r.xml", "s.json"} {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		produced.Write(raw)
		if !bytes.Contains(raw, []byte("[REDACTED]")) {
			t.Errorf("%s does not carry the redacted echo: the test does not exercise the report", f)
		}
	}

	// collect to stdout under DEBUG=sdk: stdout is the snapshot alone.
	r = runCLI(t, dir, keys(secret), append([]string{"collect"}, args...)...)
	var snap map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &snap); r.code != 0 || err != nil {
		t.Errorf("collect under DEBUG=sdk: exit %d, stdout is not the snapshot (%v):\n%.500s", r.code, err, r.stdout)
	}
	produced.WriteString(r.stdout + r.stderr)

	// A wrong secret: the cloud's answer quotes the string-to-sign.
	r = runCLI(t, dir, keys(wrong), append([]string{"collect"}, args...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "SignatureDoesNotMatch: Specified signature is not matched with our calculation. (RequestId ") {
		t.Errorf("wrong secret: exit %d, stderr %q", r.code, r.stderr)
	}
	produced.WriteString(r.stdout + r.stderr + log.String())
	if frag := leakedFragment(produced.String(), token, secret, wrong); frag != "" {
		t.Errorf("secret fragment %q appears in the output", frag)
	}
}

package policies

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var examplePolicies = []string{"../testdata/policies/acme", "../testdata/policies/conftest"}

func exampleEngine(t *testing.T, data []string) *Engine {
	t.Helper()
	pack, err := LoadPack(examplePolicies, data)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), Options{Packs: pack.Sources, Data: pack.Data})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// readTarGz returns the files of a .tar.gz by name.
func readTarGz(t *testing.T, raw []byte) map[string][]byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		files[h.Name] = b
	}
}

func writeTarGz(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range files {
			if !yield(n) {
				return
			}
		}
	}) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Typeflag: tar.TypeReg, Size: int64(len(files[name]))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(files[name])
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestBundleContents(t *testing.T) {
	data := []string{"../testdata/policies/data"}
	raw, b, err := exampleEngine(t, data).BundleBytes(BundleOptions{Name: "org-bundle"})
	if err != nil {
		t.Fatal(err)
	}
	files := readTarGz(t, raw)
	var manifest struct {
		Revision    string         `json:"revision"`
		Roots       []string       `json:"roots"`
		RegoVersion *int           `json:"rego_version"`
		Metadata    map[string]any `json:"metadata"`
	}
	if err := json.Unmarshal(files["/.manifest"], &manifest); err != nil {
		t.Fatalf(".manifest: %v", err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(manifest.Revision) || manifest.Revision != b.Manifest.Revision {
		t.Errorf("revision %q", manifest.Revision)
	}
	if want := []string{"acme", "apigw", "main"}; !slices.Equal(manifest.Roots, want) {
		t.Errorf("roots %v, want %v", manifest.Roots, want)
	}
	if manifest.RegoVersion == nil || *manifest.RegoVersion != 1 {
		t.Errorf("rego_version %v, want 1", manifest.RegoVersion)
	}
	if manifest.Metadata["name"] != "org-bundle" || manifest.Metadata["generator"] != BundleGenerator {
		t.Errorf("metadata %v", manifest.Metadata)
	}
	for _, want := range []string{"/apigw/lib/lib.rego", "/apigw/rules/rps_capacity/rps_capacity.rego", "/org/acme/approved_destination.rego",
		"/org/conftest/main.rego", "/" + EntrypointFile, "/generated/conftest/org21287.rego", "/data.json"} {
		if files[want] == nil {
			t.Errorf("no %s in the bundle", want)
		}
	}
	for name, content := range files {
		if strings.HasSuffix(name, "_test.rego") {
			t.Errorf("a test in the bundle: %s", name)
		}
		// Modules as they are, METADATA and all.
		if strings.HasSuffix(name, "/approved_destination.rego") {
			src, _ := os.ReadFile("../testdata/policies/acme/approved_destination.rego")
			if !bytes.Equal(content, src) {
				t.Errorf("%s differs from its source", name)
			}
		}
	}
	if string(files["/"+EntrypointFile]) != exampleEngine(t, data).EntrypointModule() {
		t.Error("the bundle's entrypoint is not the engine's")
	}
	var doc map[string]any
	if err := json.Unmarshal(files["/data.json"], &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc[SettingsRoot]; ok {
		t.Errorf("data.%s is in the bundle; it must stay outside its roots", SettingsRoot)
	}
	if doc["acme"] == nil || doc["apigw"].(map[string]any)["calls"].(map[string]any)["DescribeGroupQps"] == nil {
		t.Errorf("data.json lacks the org data or the call registry: %v", doc)
	}

	// Deterministic: the same pack is the same file; other data another
	// revision.
	again, _, err := exampleEngine(t, data).BundleBytes(BundleOptions{Name: "org-bundle"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, again) {
		t.Error("two bundles of one pack differ")
	}
	_, other, err := exampleEngine(t, nil).BundleBytes(BundleOptions{Name: "org-bundle"})
	if err != nil {
		t.Fatal(err)
	}
	if other.Manifest.Revision == b.Manifest.Revision {
		t.Error("a bundle without the data file has the same revision")
	}
}

func rsaKeys(t *testing.T) (private, public string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
}

func TestSignedBundle(t *testing.T) {
	priv, pub := rsaKeys(t)
	_, otherPub := rsaKeys(t)
	e := exampleEngine(t, []string{"../testdata/policies/data"})
	signed, _, err := e.BundleBytes(BundleOptions{Name: "central", SigningKey: priv})
	if err != nil {
		t.Fatal(err)
	}
	unsigned, _, err := e.BundleBytes(BundleOptions{Name: "central"})
	if err != nil {
		t.Fatal(err)
	}
	files := readTarGz(t, signed)
	if files["/.signatures.json"] == nil {
		t.Fatal("no .signatures.json in the signed bundle")
	}
	files["/org/acme/approved_destination.rego"] = bytes.Replace(files["/org/acme/approved_destination.rego"], []byte("not _passes"), []byte("false"), 1)
	tampered := writeTarGz(t, files)
	dir := t.TempDir()
	path := func(name string, raw []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, bad, none := path("signed.tar.gz", signed), path("tampered.tar.gz", tampered), path("unsigned.tar.gz", unsigned)

	// Verified, and read back as the organisation's part only.
	pack, err := LoadPackWith([]string{good}, nil, LoadOptions{BundleVerification: VerificationConfig(pub, "")})
	if err != nil {
		t.Fatalf("a signed bundle with its key: %v", err)
	}
	var mods []string
	for _, m := range pack.Sources[0].Modules {
		mods = append(mods, strings.TrimPrefix(m.File, good+"/"))
	}
	if want := []string{"org/acme/approved_destination.rego", "org/conftest/main.rego"}; !slices.Equal(mods, want) {
		t.Errorf("modules read back %v, want %v", mods, want)
	}
	if pack.Sources[0].Name != "central" || pack.Data["acme"] == nil || pack.Data["apigw"] != nil {
		t.Errorf("read back: name %q, data %v", pack.Sources[0].Name, pack.Data)
	}
	back, err := New(context.Background(), Options{Packs: pack.Sources, Data: pack.Data})
	if err != nil {
		t.Fatalf("an engine from the bundle read back: %v", err)
	}
	var ids []string
	for _, r := range back.Rules() {
		if r.Pack == "central" {
			ids = append(ids, r.ID)
		}
	}
	if want := []string{"ACME001", "ORG21287"}; !slices.Equal(ids, want) {
		t.Errorf("org rules from the bundle %v, want %v", ids, want)
	}

	for name, c := range map[string]struct {
		path, key, want string
	}{
		"tampered":  {bad, pub, "approved_destination.rego"},
		"unsigned":  {none, pub, ".signatures.json"},
		"wrong key": {good, otherPub, "verification"},
	} {
		_, err := LoadPackWith([]string{c.path}, nil, LoadOptions{BundleVerification: VerificationConfig(c.key, "")})
		t.Logf("%s: %v", name, err)
		var pe *PolicyError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want a PolicyError mentioning %q, got %v", name, c.want, err)
		}
	}
	// Without a key the tampered bundle loads (nothing asked for a check),
	// and with one a directory is refused: only a bundle can be verified.
	if _, err := LoadPack([]string{bad}, nil); err != nil {
		t.Errorf("tampered bundle without verification: %v", err)
	}
	if _, err := LoadPackWith(examplePolicies[:1], nil, LoadOptions{BundleVerification: VerificationConfig(pub, "")}); err == nil || !strings.Contains(err.Error(), "must be a signed bundle") {
		t.Errorf("a directory with --verification-key: %v", err)
	}
}

func TestBundleRefusesABadSigningKey(t *testing.T) {
	_, _, err := exampleEngine(t, nil).BundleBytes(BundleOptions{SigningKey: "not a key"})
	var pe *PolicyError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "sign the bundle") {
		t.Fatalf("want a PolicyError, got %v", err)
	}
}

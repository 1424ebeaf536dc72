package policies

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"

	"github.com/apigw-preflight/apigw-preflight/cloud/calls"
)

// An OPA bundle of the engine's pack serves the same findings from an OPA
// server: `opa run --server -b FILE.tar.gz`, then POST
// /v1/data/apigw/findings with {"input": SNAPSHOT}. It holds the built-in
// modules (apigw/lib, apigw/rules), the organisation modules (org/NAME/...),
// the generated entrypoint and conftest wrappers (generated/...), the call
// registry (data.apigw.calls) and the organisation data, no tests. Its
// roots are apigw and the top-level names of the organisation packages and
// data, never SettingsRoot: the rule settings stay writable on the running
// server (PUT /v1/data/apigw_settings), and without them every rule runs
// with its METADATA defaults.

// BundleGenerator marks a bundle the engine wrote (manifest metadata
// "generator"); LoadPack takes only the organisation part of one.
const BundleGenerator = "apigw-preflight"

// BundleOptions change what Engine.Bundle writes.
type BundleOptions struct {
	// Name is the manifest's metadata name, the pack's name in reports
	// when the bundle is read back with --policy.
	Name string
	// SigningKey, when set, signs the bundle (.signatures.json) with this
	// PEM private key (or HMAC secret) and SigningAlg (default RS256);
	// KeyID is the signature's key ID ("" leaves it out, which OPA reads as
	// the key "default").
	SigningKey, SigningAlg, KeyID string
}

// Bundle returns the OPA bundle of the engine's pack. Its revision is a
// hash of its content: the same pack gives the same revision.
func (e *Engine) Bundle(opts BundleOptions) (*bundle.Bundle, error) {
	var mods []bundle.ModuleFile
	add := func(file, src string) error {
		m, err := ParseModule(file, src)
		if err != nil {
			return fmt.Errorf("bundle %s: %w", file, err)
		}
		mods = append(mods, bundle.ModuleFile{URL: "/" + file, Path: "/" + file, Raw: []byte(src), Parsed: m})
		return nil
	}
	err := fs.WalkDir(Builtin, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".rego" || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		src, err := fs.ReadFile(Builtin, p)
		if err != nil {
			return err
		}
		return add("apigw/"+p, string(src))
	})
	if err != nil {
		return nil, fmt.Errorf("bundle the built-in policies: %w", err)
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range e.opts.Extra {
			if !yield(n) {
				return
			}
		}
	}) {
		if !strings.HasSuffix(name, "_test.rego") {
			if err := add("apigw/extra/"+strings.TrimPrefix(name, "/"), e.opts.Extra[name]); err != nil {
				return nil, err
			}
		}
	}
	roots := map[string]bool{"apigw": true}
	dirs := map[string]bool{}
	for _, src := range e.opts.Packs {
		dir := "org/" + src.Name
		for i := 2; dirs[dir]; i++ {
			dir = fmt.Sprintf("org/%s-%d", src.Name, i)
		}
		dirs[dir] = true
		for _, m := range src.Modules {
			if m.Test {
				continue
			}
			if err := add(dir+"/"+bundleRel(src, m), m.Source); err != nil {
				return nil, err
			}
			if top, ok := m.Parsed.Package.Path[1].Value.(ast.String); ok {
				roots[string(top)] = true
			}
		}
	}
	gen := e.GeneratedModules()
	for _, file := range slices.Sorted(func(yield func(string) bool) {
		for f := range gen {
			if !yield(f) {
				return
			}
		}
	}) {
		name := file
		if !strings.HasPrefix(name, "generated/") {
			name = "generated/" + name
		}
		if err := add(name, gen[file]); err != nil {
			return nil, err
		}
	}
	data := map[string]any{}
	for k, v := range e.opts.Data {
		data[k] = v
		roots[k] = true
	}
	data["apigw"] = map[string]any{"calls": calls.Data()}
	// The bundle's data as JSON reads it back, so that its signature's
	// hash is the one a reader computes.
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("bundle data: %w", err)
	}
	data = map[string]any{}
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, fmt.Errorf("bundle data: %w", err)
	}
	if roots[SettingsRoot] {
		return nil, policyErrorf("bundle: a package or data document at data.%s, where the rule settings go", SettingsRoot)
	}
	slices.SortFunc(mods, func(a, b bundle.ModuleFile) int { return strings.Compare(a.Path, b.Path) })

	h := sha256.New()
	for _, m := range mods {
		fmt.Fprintf(h, "%s\x00%d\x00", m.Path, len(m.Raw))
		h.Write(m.Raw)
	}
	h.Write(raw) // json.Marshal sorts map keys: canonical
	rootList := slices.Sorted(func(yield func(string) bool) {
		for r := range roots {
			if !yield(r) {
				return
			}
		}
	})
	version := 1
	name := opts.Name
	if name == "" {
		name = BundleGenerator
	}
	packs := make([]any, len(e.opts.Packs))
	for i, src := range e.opts.Packs {
		packs[i] = map[string]any{"name": src.Name, "revision": src.Revision}
	}
	b := &bundle.Bundle{
		Manifest: bundle.Manifest{
			Revision:    hex.EncodeToString(h.Sum(nil)),
			Roots:       &rootList,
			RegoVersion: &version,
			Metadata: map[string]any{
				"name":      name,
				"generator": BundleGenerator,
				"packs":     packs,
			},
		},
		Modules: mods,
		Data:    data,
	}
	if pv, err := PackVersion(); err == nil {
		b.Manifest.Metadata["builtinPack"] = pv
	}
	if opts.SigningKey != "" {
		sc := bundle.NewSigningConfig(opts.SigningKey, opts.SigningAlg, "")
		if err := b.GenerateSignature(sc, opts.KeyID, false); err != nil {
			return nil, policyErrorf("sign the bundle: %v; give a PEM private key (RS256 by default) or the secret of an HS algorithm", err)
		}
	}
	return b, nil
}

// WriteBundle writes b as a .tar.gz, its modules as they are (a signed
// bundle's hashes are of these bytes).
func WriteBundle(w io.Writer, b *bundle.Bundle) error {
	return bundle.NewWriter(w).DisableFormat(true).Write(*b)
}

// BundleBytes is the bundle file of the engine's pack.
func (e *Engine) BundleBytes(opts BundleOptions) ([]byte, *bundle.Bundle, error) {
	b, err := e.Bundle(opts)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	if err := WriteBundle(&buf, b); err != nil {
		return nil, nil, fmt.Errorf("write the bundle: %w", err)
	}
	return buf.Bytes(), b, nil
}

// bundleRel is a module's path inside its pack: below the --policy
// directory, inside its bundle, or a file's base name.
func bundleRel(src Source, m Module) string {
	if rel, ok := strings.CutPrefix(m.File, src.Path+"/"); ok && (strings.HasSuffix(src.Path, ".tar.gz") || strings.HasSuffix(src.Path, ".tgz")) {
		return strings.TrimPrefix(path.Clean("/"+rel), "/")
	}
	if rel, err := filepath.Rel(src.Path, m.File); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.Base(m.File)
}

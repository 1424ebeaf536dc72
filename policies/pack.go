package policies

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/loader"
)

// An organisation's policies reach the engine as a Pack: the Rego modules of
// every --policy PATH (a directory walked recursively, a .rego file, or an
// OPA bundle .tar.gz as opa build writes it) and the data documents of every
// --data PATH (JSON or YAML files, or directories of them), merged as OPA
// merges data files: a file's document goes under data at the path of its
// directory below the PATH given, and two files writing one key conflict.
// data.apigw is reserved for the built-in pack.

// Pack is an organisation's policies and data, loaded from paths.
type Pack struct {
	// Sources are the policy paths, in the order given; each is one pack
	// of rules in the reports (a SARIF tool extension).
	Sources []Source
	// Data is the merged data documents (nil when no --data was given).
	Data map[string]any
	// DataFiles are the data files read, in load order.
	DataFiles []string
}

// Source is the policies of one --policy PATH.
type Source struct {
	// Path is the path as given.
	Path string
	// Name names the pack in reports: a bundle's manifest metadata name,
	// else the base name of the path without its extension.
	Name string
	// Revision is a bundle's manifest revision ("" for files and
	// directories).
	Revision string
	// Modules are the Rego files, sorted by file name.
	Modules []Module
	// Data is a bundle's own data documents (nil otherwise); LoadPack
	// merges them into Pack.Data.
	Data map[string]any
}

// Module is one Rego file of a pack.
type Module struct {
	// File is the file's path as the user would name it: under the
	// --policy path as given, or "BUNDLE.tar.gz/PATH" inside a bundle.
	File   string
	Source string
	Parsed *ast.Module
	// Test is set for *_test.rego files (loaded only with WithTests).
	Test bool
}

// LoadOptions change what LoadPackWith reads.
type LoadOptions struct {
	// WithTests loads *_test.rego files too (for running the pack's tests).
	WithTests bool
	// BundleVerification, when set, makes every bundle's signatures
	// checked with these keys (OPA bundle signing); a bundle that is not
	// signed, or whose signature does not match, then fails to load. Nil
	// reads bundles without checking signatures.
	BundleVerification *bundle.VerificationConfig
}

// PolicyError is a policy or data path that cannot be used: it does not
// exist, does not parse, writes into data.apigw, or breaks the org rule
// contract. The CLI maps it to exit code 2.
type PolicyError struct{ Msg string }

func (e *PolicyError) Error() string { return e.Msg }

func policyErrorf(format string, a ...any) error {
	return &PolicyError{Msg: fmt.Sprintf(format, a...)}
}

// LoadPack reads the policies at paths and the data documents at
// dataPaths, without tests.
func LoadPack(paths, dataPaths []string) (*Pack, error) {
	return LoadPackWith(paths, dataPaths, LoadOptions{})
}

// LoadPackWith reads policies and data as LoadPack does, with options.
func LoadPackWith(paths, dataPaths []string, opts LoadOptions) (*Pack, error) {
	p := &Pack{}
	for _, path := range paths {
		src, err := loadSource(path, opts)
		if err != nil {
			return nil, err
		}
		p.Sources = append(p.Sources, src)
	}
	if len(dataPaths) > 0 {
		data, files, err := loadData(dataPaths)
		if err != nil {
			return nil, err
		}
		p.Data, p.DataFiles = data, files
	}
	// A bundle's own data documents join the merged data.
	for _, src := range p.Sources {
		if len(src.Data) == 0 {
			continue
		}
		if p.Data == nil {
			p.Data = map[string]any{}
		}
		if key, ok := mergeDocs(p.Data, src.Data, nil); !ok {
			return nil, policyErrorf("--policy %s: the bundle's data at data.%s conflicts with the same key in the --data files", src.Path, key)
		}
	}
	return p, nil
}

// mergeDocs merges src into dst as OPA merges data files: objects merge
// key by key, and any other value met twice is a conflict, whose dotted
// path it returns.
func mergeDocs(dst, src map[string]any, at []string) (string, bool) {
	for k, v := range src {
		here := append(slices.Clone(at), k)
		old, ok := dst[k]
		if !ok {
			dst[k] = v
			continue
		}
		om, ok1 := old.(map[string]any)
		nm, ok2 := v.(map[string]any)
		if !ok1 || !ok2 {
			return strings.Join(here, "."), false
		}
		if key, ok := mergeDocs(om, nm, here); !ok {
			return key, false
		}
	}
	return "", true
}

func loadSource(path string, opts LoadOptions) (Source, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Source{}, policyErrorf("--policy %s: %v; give a directory, a .rego file or an OPA bundle (.tar.gz)", path, unwrapPath(err))
	}
	src := Source{Path: path, Name: packName(path)}
	switch {
	case !st.IsDir() && (strings.HasSuffix(path, ".tar.gz") || strings.HasSuffix(path, ".tgz")):
		return loadBundle(src, opts)
	case opts.BundleVerification != nil:
		return Source{}, policyErrorf("--policy %s: not an OPA bundle (.tar.gz), and with --verification-key every --policy must be a signed bundle", path)
	case !st.IsDir() && filepath.Ext(path) != ".rego":
		return Source{}, policyErrorf("--policy %s: not a .rego file, a directory or an OPA bundle (.tar.gz)", path)
	}
	res, err := loader.NewFileLoader().
		WithRegoVersion(ast.RegoV1).
		WithProcessAnnotation(true).
		Filtered([]string{path}, func(p string, info fs.FileInfo, depth int) bool {
			if info.IsDir() {
				return false
			}
			if filepath.Ext(p) != ".rego" {
				return true
			}
			return !opts.WithTests && strings.HasSuffix(p, "_test.rego")
		})
	if err != nil {
		return Source{}, loadError("--policy "+path, err)
	}
	for _, f := range res.Modules {
		name := f.Name // as the walk met it, from the path as given
		src.Modules = append(src.Modules, Module{File: name, Source: string(f.Raw), Parsed: f.Parsed, Test: strings.HasSuffix(name, "_test.rego")})
	}
	if len(src.Modules) == 0 {
		return Source{}, policyErrorf("--policy %s: no .rego files (test files *_test.rego are not policies)", path)
	}
	slices.SortFunc(src.Modules, func(a, b Module) int { return strings.Compare(a.File, b.File) })
	return src, nil
}

// loadBundle reads an OPA bundle with OPA's bundle reader. The seam for
// signed bundles is opts.BundleVerification.
func loadBundle(src Source, opts LoadOptions) (Source, error) {
	fl := loader.NewFileLoader().WithRegoVersion(ast.RegoV1).WithProcessAnnotation(true)
	if opts.BundleVerification != nil {
		fl = fl.WithBundleVerificationConfig(opts.BundleVerification)
	} else {
		fl = fl.WithSkipBundleVerification(true)
	}
	b, err := fl.AsBundle(src.Path)
	if err != nil {
		return Source{}, loadError("--policy "+src.Path, err)
	}
	src.Revision = b.Manifest.Revision
	if name, ok := b.Manifest.Metadata["name"].(string); ok && strings.TrimSpace(name) != "" {
		src.Name = strings.TrimSpace(name)
	}
	// A bundle the engine wrote (policies bundle) holds the built-in pack
	// and the generated modules beside the organisation's: only the
	// latter are the organisation's; the engine brings its own.
	ours := b.Manifest.Metadata["generator"] == BundleGenerator
	if ours {
		delete(b.Data, "apigw")
	}
	if len(b.Data) > 0 {
		if _, ok := b.Data[SettingsRoot]; ok {
			return Source{}, policyErrorf("--policy %s: the bundle's data writes data.%s, which holds the rule settings", src.Path, SettingsRoot)
		}
		if _, ok := b.Data["apigw"]; ok {
			return Source{}, policyErrorf("--policy %s: the bundle's data writes data.apigw, which is reserved for the built-in pack", src.Path)
		}
		src.Data = b.Data
	}
	for _, mf := range b.Modules {
		rel := strings.TrimPrefix(mf.Path, "/")
		if ours && (strings.HasPrefix(rel, "apigw/") || strings.HasPrefix(rel, "generated/")) {
			continue
		}
		test := strings.HasSuffix(mf.Path, "_test.rego")
		if test && !opts.WithTests {
			continue
		}
		file := src.Path + "/" + strings.TrimPrefix(mf.Path, "/")
		m := mf.Parsed
		if m == nil {
			if m, err = ParseModule(file, string(mf.Raw)); err != nil {
				return Source{}, loadError("--policy "+src.Path, err)
			}
		}
		src.Modules = append(src.Modules, Module{File: file, Source: string(mf.Raw), Parsed: m, Test: test})
	}
	if len(src.Modules) == 0 {
		return Source{}, policyErrorf("--policy %s: the bundle has no policies", src.Path)
	}
	slices.SortFunc(src.Modules, func(a, b Module) int { return strings.Compare(a.File, b.File) })
	return src, nil
}

// packName is a path's base name without .rego, .tar.gz or .tgz.
func packName(path string) string {
	base := filepath.Base(filepath.Clean(path))
	for _, ext := range []string{".tar.gz", ".tgz", ".rego"} {
		if b, ok := strings.CutSuffix(base, ext); ok && b != "" {
			return b
		}
	}
	return base
}

var dataExts = []string{".json", ".yaml", ".yml"}

// loadData merges the data documents at paths as OPA does and refuses any
// that writes into data.apigw.
func loadData(paths []string) (map[string]any, []string, error) {
	var files []string
	for _, path := range paths {
		st, err := os.Stat(path)
		if err != nil {
			return nil, nil, policyErrorf("--data %s: %v; give a JSON or YAML file or a directory of them", path, unwrapPath(err))
		}
		if !st.IsDir() && !slices.Contains(dataExts, strings.ToLower(filepath.Ext(path))) {
			return nil, nil, policyErrorf("--data %s: not a .json, .yaml or .yml file, or a directory", path)
		}
		// Where each file's document goes: the directories below path.
		err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !slices.Contains(dataExts, strings.ToLower(filepath.Ext(p))) {
				return nil
			}
			files = append(files, p)
			rel, _ := filepath.Rel(path, filepath.Dir(p))
			var prefix []string
			if st.IsDir() && rel != "." {
				prefix = strings.Split(filepath.ToSlash(rel), "/")
			}
			if len(prefix) > 0 && (prefix[0] == "apigw" || prefix[0] == SettingsRoot) {
				return policyErrorf("--data %s: %s would be data.%s, inside data.apigw, which is reserved for the built-in pack; move it to another directory", path, p, strings.Join(prefix, "."))
			}
			if len(prefix) == 0 {
				one, err := loader.NewFileLoader().All([]string{p})
				if err != nil {
					return loadError("--data "+path, err)
				}
				if _, ok := one.Documents["apigw"]; ok {
					return policyErrorf("--data %s: %s writes data.apigw, which is reserved for the built-in pack (its rule parameters and cloud calls); put the document under another top-level key", path, p)
				}
				if _, ok := one.Documents[SettingsRoot]; ok {
					return policyErrorf("--data %s: %s writes data.%s, which holds the rule settings (set them in the configuration's rules section or with --set); put the document under another top-level key", path, p, SettingsRoot)
				}
			}
			return nil
		})
		if err != nil {
			var pe *PolicyError
			if errors.As(err, &pe) {
				return nil, nil, err
			}
			return nil, nil, policyErrorf("--data %s: %v", path, err)
		}
	}
	res, err := loader.NewFileLoader().Filtered(paths, func(p string, info fs.FileInfo, depth int) bool {
		return !info.IsDir() && !slices.Contains(dataExts, strings.ToLower(filepath.Ext(p)))
	})
	if err != nil {
		return nil, nil, loadError("--data", err)
	}
	return res.Documents, files, nil
}

// loadError turns OPA's loader and parser errors into a PolicyError whose
// lines each name file:line:col.
func loadError(what string, err error) error {
	var lines []string
	var collect func(error)
	collect = func(err error) {
		var le loader.Errors
		var ae ast.Errors
		var one *ast.Error
		switch {
		case errors.As(err, &le):
			for _, e := range le {
				collect(e)
			}
		case errors.As(err, &ae):
			for _, e := range ae {
				collect(e)
			}
		case errors.As(err, &one):
			lines = append(lines, astErrorLine(one))
		default:
			lines = append(lines, unwrapPath(err).Error())
		}
	}
	collect(err)
	if len(lines) == 1 {
		return policyErrorf("%s: %s", what, lines[0])
	}
	return policyErrorf("%s: %d errors:\n  %s", what, len(lines), strings.Join(lines, "\n  "))
}

// astErrorLine formats an OPA error as "file:line:col: message (code)".
func astErrorLine(e *ast.Error) string {
	if e.Location == nil {
		return fmt.Sprintf("%s (%s)", e.Message, e.Code)
	}
	return fmt.Sprintf("%s:%d:%d: %s (%s)", e.Location.File, e.Location.Row, e.Location.Col, e.Message, e.Code)
}

// compileError formats a failed compile of org policies as PolicyError.
func compileError(errs ast.Errors) error {
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = astErrorLine(e)
	}
	if len(lines) == 1 {
		return policyErrorf("compile policies: %s", lines[0])
	}
	return policyErrorf("compile policies: %d errors:\n  %s", len(lines), strings.Join(lines, "\n  "))
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// VerificationConfig verifies signed bundles with one key (a PEM public
// key, or an HMAC secret) and algorithm (RS256 when ""), as opa run
// --verification-key does: the key's ID is "default", whatever key ID the
// signature names.
func VerificationConfig(key, alg string) *bundle.VerificationConfig {
	if alg == "" {
		alg = "RS256"
	}
	return bundle.NewVerificationConfig(map[string]*bundle.KeyConfig{"default": {Key: key, Algorithm: alg}}, "default", "", nil)
}

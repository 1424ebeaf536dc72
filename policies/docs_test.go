package policies

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	readmePath    = "../README.md"
	cataloguePath = "rules/README.md"
	rulesBegin    = "<!-- rules:begin (generated from the rules' METADATA by make docs) -->\n"
	rulesEnd      = "<!-- rules:end -->"
)

// docRules are the rules the documents describe: the built-in ones and the
// tool rules an engine with the default options evaluates.
func docRules(t *testing.T) *Engine {
	t.Helper()
	e, err := New(context.Background(), Options{MaxAge: DefaultMaxAge})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// checkGenerated compares a generated document with the file holding it,
// rewriting the file with -update (make docs).
func checkGenerated(t *testing.T, path, got, want string, rewrite func() string) {
	t.Helper()
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(rewrite()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is stale; run: make docs\n--- want ---\n%s", path, want)
}

// TestReadmeRules keeps the README's rule table equal to the rules'
// METADATA, so the two can never drift apart.
func TestReadmeRules(t *testing.T) {
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	i, j := strings.Index(s, rulesBegin), strings.Index(s, rulesEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the generated rules section markers")
	}
	want := MarkdownTable(Documented(docRules(t)))
	checkGenerated(t, readmePath, s[i+len(rulesBegin):j], want, func() string {
		return s[:i+len(rulesBegin)] + want + s[j:]
	})
}

// TestRuleCatalogue keeps rules/README.md, the catalogue of every rule with
// its METADATA and firing samples, equal to what the rules say.
func TestRuleCatalogue(t *testing.T) {
	samples := map[string][]string{}
	for _, dir := range ruleDirs(t) {
		files, _ := filepath.Glob(filepath.Join("rules", dir, "testdata", "*.json"))
		for _, f := range files {
			samples[dir] = append(samples[dir], filepath.Base(f))
		}
	}
	want := Catalogue(Documented(docRules(t)), samples)
	raw, err := os.ReadFile(cataloguePath)
	if err != nil && !*update {
		t.Fatalf("%v; run: make docs", err)
	}
	checkGenerated(t, cataloguePath, string(raw), want, func() string { return want })
}

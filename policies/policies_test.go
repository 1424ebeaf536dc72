package policies

import (
	"context"
	"flag"
	"io/fs"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestRegoUnitTests runs every _test.rego through OPA's tester.
func TestRegoUnitTests(t *testing.T) {
	mods, err := LoadModules(Builtin, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The tests see the data the engine gives the rules (the call
	// registry; the tunables' defaults are the rules' own).
	store := storeFor(nil)
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Abort(ctx, txn)
	comp := ast.NewCompiler().WithStrict(true).WithDefaultRegoVersion(ast.RegoV1)
	ch, err := tester.NewRunner().SetCompiler(comp).SetStore(store).SetModules(mods).RunTests(ctx, txn)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := range ch {
		n++
		name := r.Package + "." + r.Name
		switch {
		case r.Error != nil:
			t.Errorf("%s (%s): error: %v", name, r.Location, r.Error)
		case r.Fail:
			t.Errorf("%s (%s): failed", name, r.Location)
		case r.Skip:
			t.Logf("%s: skipped", name)
		}
	}
	if n == 0 {
		t.Fatal("no Rego tests ran")
	}
	t.Logf("%d Rego tests", n)
}

// TestRegoFormatted fails when a file is not in `opa fmt` form.
func TestRegoFormatted(t *testing.T) {
	err := fs.WalkDir(Builtin, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		src, err := fs.ReadFile(Builtin, p)
		if err != nil {
			return err
		}
		got, err := format.SourceWithOpts(p, src, format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		if string(got) != string(src) {
			t.Errorf("%s is not in opa fmt form; run: opa fmt -w policies/", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRegoStrictCompile compiles everything, tests included, in strict mode.
func TestRegoStrictCompile(t *testing.T) {
	mods, err := LoadModules(Builtin, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(mods); err != nil {
		t.Fatal(err)
	}
}

// TestEveryRuleHasTests checks the one-directory-per-rule layout.
func TestEveryRuleHasTests(t *testing.T) {
	entries, err := fs.ReadDir(Builtin, "rules")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			t.Errorf("rules/%s: rules live in a directory of their own", e.Name())
			continue
		}
		for _, f := range []string{e.Name() + ".rego", e.Name() + "_test.rego"} {
			if _, err := fs.Stat(Builtin, "rules/"+e.Name()+"/"+f); err != nil {
				t.Errorf("rules/%s: missing %s", e.Name(), f)
			}
		}
	}
}

var update = flag.Bool("update", false, "rewrite generated documentation")

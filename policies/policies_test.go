package policies

import (
	"context"
	"encoding/json"
	"flag"
	"io/fs"
	"reflect"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/rego"
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
	store := storeFor(nil, nil)
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

// TestFixturesAreTheSamples keeps the Rego tests' shared fixtures
// (lib/fixture_test.rego) equal to the sample snapshots they copy.
func TestFixturesAreTheSamples(t *testing.T) {
	mods, err := LoadModules(Builtin, true)
	if err != nil {
		t.Fatal(err)
	}
	comp, err := Compile(mods)
	if err != nil {
		t.Fatal(err)
	}
	for name, file := range map[string]string{"healthy": "healthy.json", "vpc_connect": "vpc-connect-healthy.json"} {
		rs, err := rego.New(rego.Compiler(comp), rego.Query("data.apigw.fixture."+name)).Eval(context.Background())
		if err != nil || len(rs) != 1 {
			t.Fatalf("%s: %v", name, err)
		}
		got, want := normalJSON(t, rs[0].Expressions[0].Value), normalJSON(t, decodeFile(t, "../testdata/snapshots/"+file))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("data.apigw.fixture.%s differs from testdata/snapshots/%s", name, file)
		}
	}
}

// normalJSON is v through encoding/json, so that numbers compare as float64.
func normalJSON(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRulePackagesExposeOnlyFindings: a rule package's only public rule is
// findings; its helpers start with _ (lib is the shared, public API).
func TestRulePackagesExposeOnlyFindings(t *testing.T) {
	mods, err := LoadModules(Builtin, false)
	if err != nil {
		t.Fatal(err)
	}
	for file, m := range mods {
		if !strings.HasPrefix(m.Package.Path.String(), RulesPrefix) {
			continue
		}
		for _, r := range m.Rules {
			if name := r.Head.Name.String(); name != "findings" && !strings.HasPrefix(name, "_") {
				t.Errorf("%s:%d: rule %s is public; name rule helpers _%s", file, r.Location.Row, name, name)
			}
		}
	}
}

// TestOnlyLibWritesCouldNotCheck: the wording of an undecided finding is
// written once, in lib.undecided; rules build such findings with it.
func TestOnlyLibWritesCouldNotCheck(t *testing.T) {
	mods, err := LoadModules(Builtin, false)
	if err != nil {
		t.Fatal(err)
	}
	for file := range mods {
		src, err := fs.ReadFile(Builtin, file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") || file == "lib/undecided.rego" {
				continue // comments may name the wording
			}
			if strings.Contains(strings.ToLower(line), "could not check") {
				t.Errorf("%s:%d writes \"could not check\" itself; build the finding with lib.undecided", file, i+1)
			}
		}
	}
}

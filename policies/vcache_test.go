package policies

import (
	"context"
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

func TestFlatCacheFrames(t *testing.T) {
	c := newFlatCache()
	f := ast.MustParseRef("data.a.f")
	ref := append(f.Copy(), ast.StringTerm("x"), ast.IntNumberTerm(1))
	if v, undef := c.Get(ref); v != nil || undef {
		t.Fatalf("empty cache: got %v, %v", v, undef)
	}
	key := ref.Copy()
	c.Put(key, ast.StringTerm("v"))
	key[len(key)-1] = ast.IntNumberTerm(2) // the evaluator reuses its key slice
	if v, undef := c.Get(ref); v == nil || !v.Equal(ast.StringTerm("v")) || undef {
		t.Fatalf("cached: got %v, %v", v, undef)
	}
	other := append(f.Copy(), ast.IntNumberTerm(1), ast.StringTerm("x")) // the same hash, another key
	if v, undef := c.Get(other); v != nil || undef {
		t.Fatalf("other key: got %v, %v", v, undef)
	}
	c.Put(other, nil)
	if v, undef := c.Get(other); v != nil || !undef {
		t.Fatalf("undefined: got %v, %v", v, undef)
	}
	if keys := c.Keys(); len(keys) != 1 || !keys[0].Equal(ref) {
		t.Fatalf("keys: got %v", keys)
	}
	c.Push()
	if v, _ := c.Get(ref); v != nil {
		t.Fatalf("new frame sees %v", v)
	}
	c.Put(ref, ast.StringTerm("inner"))
	c.Pop()
	if v, _ := c.Get(ref); v == nil || !v.Equal(ast.StringTerm("v")) {
		t.Fatalf("after pop: got %v", v)
	}
}

// TestFlatCacheKeepsEveryEntry fills the cache past its first blocks of
// entries and of reference terms, reusing one key slice as the evaluator
// does: every entry still reads back as its own value.
func TestFlatCacheKeepsEveryEntry(t *testing.T) {
	c := newFlatCache()
	f := ast.MustParseRef("data.a.f")
	key := append(f.Copy(), ast.IntNumberTerm(0), ast.StringTerm("x"))
	const n = 1000
	for i := range n {
		key[len(key)-2] = ast.IntNumberTerm(i)
		c.Put(key, ast.IntNumberTerm(i*7))
	}
	for i := range n {
		ref := append(f.Copy(), ast.IntNumberTerm(i), ast.StringTerm("x"))
		if v, undef := c.Get(ref); v == nil || !v.Equal(ast.IntNumberTerm(i*7)) || undef {
			t.Fatalf("entry %d: got %v, %v", i, v, undef)
		}
	}
	if keys := c.Keys(); len(keys) != n {
		t.Fatalf("keys: got %d, want %d", len(keys), n)
	}
}

// TestFlatCacheAgreesWithOPA evaluates every rule on every sample with the
// engine's cache and with OPA's own: the results must be equal.
func TestFlatCacheAgreesWithOPA(t *testing.T) {
	ctx := context.Background()
	e, err := New(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	inputs := append(loadInputs(t), copiedBackends(t, 150), distinctBackends(t, 150))
	for i, in := range inputs {
		want, err := e.all.Eval(ctx, rego.EvalParsedInput(in))
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.all.Eval(ctx, rego.EvalParsedInput(in), evalCache())
		if err != nil {
			t.Fatal(err)
		}
		if len(want) != 1 || !reflect.DeepEqual(got, want) {
			t.Errorf("input %d: flat cache gives %v, OPA's cache %v", i, got, want)
		}
	}
}

package policies

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// flatCache is the evaluator's cache of rule and function results
// (topdown.VirtualCache), one per evaluation. OPA's own keeps a tree with a
// hash map per reference segment, allocated as each rule or function
// argument is first seen; one hash map per frame, keyed by the whole
// reference, allocates a fraction of that for the same answers (make bench:
// EvaluateBatch allocs/op).
type flatCache struct {
	frames []map[int][]flatEntry
}

// flatEntry is one cached reference: its value, or that it is undefined.
type flatEntry struct {
	ref       ast.Ref
	value     *ast.Term
	undefined bool
}

var _ topdown.VirtualCache = (*flatCache)(nil)

func newFlatCache() *flatCache {
	return &flatCache{frames: make([]map[int][]flatEntry, 1, 4)}
}

// evalCache is the evaluation option that gives one evaluation its cache.
func evalCache() rego.EvalOption {
	return rego.EvalVirtualCache(newFlatCache())
}

// Push starts an empty frame (a with statement evaluates in one).
func (c *flatCache) Push() { c.frames = append(c.frames, nil) }

// Pop drops the top frame and what it holds.
func (c *flatCache) Pop() {
	c.frames[len(c.frames)-1] = nil
	c.frames = c.frames[:len(c.frames)-1]
}

// Get reports ref's value in the top frame: (value, false) when cached,
// (nil, true) when recorded as undefined, (nil, false) when not cached.
func (c *flatCache) Get(ref ast.Ref) (*ast.Term, bool) {
	for _, e := range c.frames[len(c.frames)-1][ref.Hash()] {
		if e.ref.Equal(ref) {
			if e.undefined { // as OPA's: undefined wins over a value
				return nil, true
			}
			return e.value, false
		}
	}
	return nil, false
}

// Put records ref's value in the top frame; a nil value records it as
// undefined. The caller may reuse ref's slice: it is copied.
func (c *flatCache) Put(ref ast.Ref, value *ast.Term) {
	top := len(c.frames) - 1
	m := c.frames[top]
	if m == nil {
		m = make(map[int][]flatEntry, 64)
		c.frames[top] = m
	}
	h := ref.Hash()
	es := m[h]
	for i := range es {
		if es[i].ref.Equal(ref) {
			es[i].set(value)
			return
		}
	}
	e := flatEntry{ref: slices.Clone(ref)}
	e.set(value)
	m[h] = append(es, e)
}

// set records value as OPA's cache does: a value replaces the old one, a
// nil marks the entry undefined.
func (e *flatEntry) set(value *ast.Term) {
	if value != nil {
		e.value = value
	} else {
		e.undefined = true
	}
}

// Keys lists the references with a value in the top frame.
func (c *flatCache) Keys() []ast.Ref {
	var keys []ast.Ref
	for _, es := range c.frames[len(c.frames)-1] {
		for _, e := range es {
			if e.value != nil {
				keys = append(keys, e.ref)
			}
		}
	}
	return keys
}

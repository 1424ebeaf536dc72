package policies

import (
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
	frames []flatFrame
	// terms is the unused tail of the block the cached references are
	// copied into: one allocation per block rather than one per reference.
	terms []*ast.Term
}

// flatFrame holds one frame's entries in blocks of entryBlock, chained per
// hash (heads: hash -> 1 + index of the newest entry with it), so that a
// new entry costs no allocation of its own (make bench: EvaluateOne
// allocs/op) and a growing cache copies none.
type flatFrame struct {
	heads  map[int]int32
	blocks [][]flatEntry
	n      int32
}

const entryBlock = 256

// entry is the frame's entry of index i.
func (f *flatFrame) entry(i int32) *flatEntry {
	return &f.blocks[i/entryBlock][i%entryBlock]
}

// flatEntry is one cached reference: its value, or that it is undefined;
// next is 1 + the index of the frame's previous entry with the same hash
// (0 for none).
type flatEntry struct {
	ref       ast.Ref
	value     *ast.Term
	undefined bool
	next      int32
}

var _ topdown.VirtualCache = (*flatCache)(nil)

func newFlatCache() *flatCache {
	return &flatCache{frames: make([]flatFrame, 1, 4)}
}

// evalCache is the evaluation option that gives one evaluation its cache.
func evalCache() rego.EvalOption {
	return rego.EvalVirtualCache(newFlatCache())
}

// Push starts an empty frame (a with statement evaluates in one).
func (c *flatCache) Push() { c.frames = append(c.frames, flatFrame{}) }

// Pop drops the top frame and what it holds.
func (c *flatCache) Pop() {
	c.frames[len(c.frames)-1] = flatFrame{}
	c.frames = c.frames[:len(c.frames)-1]
}

// find is the top frame's entry for ref, nil when there is none.
func (c *flatCache) find(ref ast.Ref, h int) *flatEntry {
	f := &c.frames[len(c.frames)-1]
	for i := f.heads[h]; i != 0; i = f.entry(i - 1).next {
		if e := f.entry(i - 1); e.ref.Equal(ref) {
			return e
		}
	}
	return nil
}

// Get reports ref's value in the top frame: (value, false) when cached,
// (nil, true) when recorded as undefined, (nil, false) when not cached.
func (c *flatCache) Get(ref ast.Ref) (*ast.Term, bool) {
	e := c.find(ref, ref.Hash())
	if e == nil {
		return nil, false
	}
	if e.undefined { // as OPA's: undefined wins over a value
		return nil, true
	}
	return e.value, false
}

// Put records ref's value in the top frame; a nil value records it as
// undefined. The caller may reuse ref's slice: it is copied.
func (c *flatCache) Put(ref ast.Ref, value *ast.Term) {
	h := ref.Hash()
	if e := c.find(ref, h); e != nil {
		e.set(value)
		return
	}
	f := &c.frames[len(c.frames)-1]
	if f.heads == nil {
		f.heads = make(map[int]int32, 64)
	}
	if f.n%entryBlock == 0 {
		f.blocks = append(f.blocks, make([]flatEntry, entryBlock))
	}
	e := f.entry(f.n)
	*e = flatEntry{ref: c.copyRef(ref), next: f.heads[h]}
	e.set(value)
	f.n++
	f.heads[h] = f.n
}

// copyRef copies ref into the current block of terms, starting a new block
// when it does not fit; the copy's capacity ends at its length, so that no
// append can reach the next copy.
func (c *flatCache) copyRef(ref ast.Ref) ast.Ref {
	n := len(ref)
	if cap(c.terms)-len(c.terms) < n {
		c.terms = make([]*ast.Term, 0, max(512, n))
	}
	start := len(c.terms)
	c.terms = append(c.terms, ref...)
	return ast.Ref(c.terms[start : start+n : start+n])
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
	f := &c.frames[len(c.frames)-1]
	for i := range f.n {
		if e := f.entry(i); e.value != nil {
			keys = append(keys, e.ref)
		}
	}
	return keys
}

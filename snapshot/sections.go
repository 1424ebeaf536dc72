package snapshot

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Forward compatibility within v1: a newer collector may write top-level
// sections this release does not know. The loader ignores such a section
// (it is removed from Document.Value, so no rule reads half-understood
// data) and says so in one note naming it. A key that looks like a
// misspelling of a known section (same letters in another case, or at
// most two edits away) is an error instead: a typo must not make data
// silently disappear.

var (
	knownOnce     sync.Once
	knownSections []string
)

// KnownSections are the top-level keys of the contract this release
// reads, from the published JSON Schema.
func KnownSections() []string {
	knownOnce.Do(func() {
		var s struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(SchemaJSON, &s); err != nil {
			panic("snapshot: embedded schema: " + err.Error())
		}
		for k := range s.Properties {
			knownSections = append(knownSections, k)
		}
		slices.Sort(knownSections)
	})
	return slices.Clone(knownSections)
}

// dropUnknownSections removes the unknown top-level sections of obj and
// returns one note per section, in key order; a near miss of a known
// section is an *InputError.
func dropUnknownSections(file string, obj map[string]any, lines *LineIndex) ([]string, error) {
	known := KnownSections()
	var unknown []string
	for k := range obj {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	var notes []string
	for _, k := range unknown {
		if near := nearestSection(k, known); near != "" {
			return nil, &InputError{File: file, Path: PathString([]string{k}), Line: lines.Line([]string{k}),
				Msg:  fmt.Sprintf("unknown top-level section %q", abbreviate(k)),
				Hint: fmt.Sprintf("did you mean %q? (sections are spelled as in snapshot/snapshot.schema.json)", near)}
		}
		notes = append(notes, fmt.Sprintf("%s: ignored top-level section %q, which this release does not know (written by a newer collector?)", file, abbreviate(k)))
		delete(obj, k)
	}
	return notes, nil
}

// nearestSection is the known section k looks like a misspelling of, or "".
func nearestSection(k string, known []string) string {
	best, bestD := "", 3
	for _, s := range known {
		if strings.EqualFold(s, k) {
			return s
		}
		if d := editDistance(strings.ToLower(k), strings.ToLower(s), bestD); d < bestD {
			best, bestD = s, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or limit when it is
// at least limit (long keys are not compared in full).
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d >= limit || -d >= limit || len(ra) > 64 || len(rb) > 64 {
		return limit
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], limit)
}

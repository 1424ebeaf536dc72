package snapshot

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/apigw-preflight/apigw-preflight/internal/textdist"
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
		if d := textdist.AtMost(strings.ToLower(k), strings.ToLower(s), bestD); d < bestD {
			best, bestD = s, d
		}
	}
	return best
}

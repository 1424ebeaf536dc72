package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse: whatever the bytes, Parse returns a document or an
// *InputError, and never panics. Run longer with:
// go test ./collector -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../testdata/snapshots/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", "{", "[]", "null", `{"schemaVersion":"apigw-preflight/v1"}`, "\xff\xfe", `{"a":1}{"b":2}`,
		`{"a":1,"a":2}`, `{"a":{"b":[{"c":1,"c":1}]}}`, `{"a\u0062":1,"ab":2}`,
		`{"a":1e400}`, `{"a":[-1e999]}`, `{"a":5e-324}`, `{"a":1e-400}`,
		"\xef\xbb\xbf{}", "\xef\xbb\xbf", "\xef\xbb\xbf\xef\xbb\xbf{}", "\xfe\xff\x00{", "\x00\x00\xfe\xff"} {
		f.Add([]byte(s))
	}
	if b, err := os.ReadFile("../testdata/snapshots/healthy.json"); err == nil {
		f.Add(append([]byte("\xef\xbb\xbf"), b...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse("fuzz.json", data)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error is not an *InputError: %T %v", err, err)
			}
			if ie.File != "fuzz.json" || ie.Msg == "" {
				t.Fatalf("input error without file or message: %+v", ie)
			}
			return
		}
		if d.Value == nil || d.Lines == nil {
			t.Fatal("document without value or line index")
		}
		// What was accepted has no duplicate key and no non-finite number.
		if err := checkAccepted(d.Value); err != nil {
			t.Fatal(err)
		}
		if n := countKeys(data); n != countValueKeys(d.Value) {
			t.Fatalf("accepted a document with %d keys that decodes to %d: a duplicate key slipped through", n, countValueKeys(d.Value))
		}
		// Its lines are found alike by scanning and from the record.
		checkScanAgrees(t, d.Lines)
		for k := range d.Value {
			if !MayHaveTopLevelKey(data, k) {
				t.Fatalf("MayHaveTopLevelKey(%q) = false, but the key is there", k)
			}
		}
	})
}

func checkAccepted(v any) error {
	switch v := v.(type) {
	case json.Number:
		if f, err := strconv.ParseFloat(string(v), 64); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Errorf("accepted the non-finite number %s", v)
		}
	case map[string]any:
		for _, e := range v {
			if err := checkAccepted(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := checkAccepted(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// countKeys counts the object keys of a JSON text as written, duplicates
// included.
func countKeys(data []byte) int {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	dec.UseNumber()
	type frame struct{ object, wantKey bool }
	var stack []frame
	n := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return n
		}
		d, isDelim := tok.(json.Delim)
		if isDelim && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			top := &stack[len(stack)-1]
			if top.wantKey {
				n++
				top.wantKey = false
				continue
			}
			top.wantKey = true
		}
		if isDelim {
			stack = append(stack, frame{object: d == '{', wantKey: d == '{'})
		}
	}
}

// countValueKeys counts the object keys of a decoded value.
func countValueKeys(v any) int {
	n := 0
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			n += 1 + countValueKeys(e)
		}
	case []any:
		for _, e := range v {
			n += countValueKeys(e)
		}
	}
	return n
}

// FuzzPlainJSON: on any input that decodes, the byte scan never calls
// plain a document the checking token pass refuses.
func FuzzPlainJSON(f *testing.F) {
	for _, s := range []string{`{"a": 1, "a": 2}`, `{"a": [1e400]}`, `{"a": {"\u0061": 1, "a": 2}}`, `{"a": "\"", "b": [{}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if dec.Decode(&v) != nil || dec.More() {
			return
		}
		if _, err := dec.Token(); err != io.EOF {
			return
		}
		if plainJSON(raw) {
			if err := newLineIndex(raw).build("f.json", raw, false); err != nil {
				t.Fatalf("plainJSON(%q) = true; the walk refuses it: %v", raw, err)
			}
		}
	})
}

// checkScanAgrees asserts that finding a line by scanning the bytes gives
// the recorded answer for every recorded path, for a step beyond each one
// (its ancestor's line), and for paths that are not there.
func checkScanAgrees(t *testing.T, li *LineIndex) {
	t.Helper()
	paths := li.recorded()
	// At most 200 paths, spread over the document: a deeply nested one has
	// thousands, each a scan.
	keys := slices.Sorted(maps.Keys(paths))
	if step := len(keys)/200 + 1; step > 1 {
		var some []string
		for i := 0; i < len(keys); i += step {
			some = append(some, keys[i])
		}
		keys = some
	}
	for _, key := range keys {
		want := paths[key]
		path := strings.Split(key, "\x00")
		if got := li.scan(path); got != want {
			t.Errorf("scan(%q) = %d, recorded %d", path, got, want)
		}
		deeper := append(slices.Clone(path), "no-such-step", "0")
		if got := li.scan(deeper); got != want {
			t.Errorf("scan(%q) = %d, want the ancestor's %d", deeper, got, want)
		}
	}
	for _, path := range [][]string{nil, {}, {"no-such-key"}, {"0"}, {"01"}, {"-1"}} {
		want := 1
		for n := len(path); n > 0; n-- {
			if l, ok := paths[strings.Join(path[:n], "\x00")]; ok {
				want = l
				break
			}
		}
		if got := li.scan(path); got != want {
			t.Errorf("scan(%q) = %d, want %d", path, got, want)
		}
	}
}

// The scan that finds one line agrees with the recorded index on every
// sample snapshot, rule sample and Terraform plan.
func TestLineScanAgreesWithRecorded(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../testdata/snapshots/*.json", "../policies/rules/*/testdata/*.json", "../testdata/terraform/*.json", "../testdata/fleet/*/*.json"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	if len(files) < 40 {
		t.Fatalf("found %d sample files", len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		li, err := IndexLines(f, raw)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(li.recorded()) < 5 {
			t.Fatalf("%s: %d paths recorded", f, len(li.recorded()))
		}
		checkScanAgrees(t, li)
	}
	// Escaped keys, strings holding brackets and quotes, nested arrays.
	raw := []byte("{\n \"a\\u0062\": [1,\n  {\"x]\": \"}\\\"{\", \"y\": [[],\n [2]]}],\n \"c\" : null\n}")
	li, err := IndexLines("edge.json", raw)
	if err != nil {
		t.Fatal(err)
	}
	checkScanAgrees(t, li)
	if got := li.scan([]string{"ab", "1", "y", "1", "0"}); got != 4 {
		t.Errorf("scan(ab.1.y.1.0) = %d, want 4", got)
	}
}

// MayHaveTopLevelKey never says false of a key a decoder finds at the top
// level, and says false of keys that are not there.
func TestMayHaveTopLevelKey(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../testdata/snapshots/*.json", "../policies/rules/*/testdata/*.json", "../testdata/terraform/*.json"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	docs := map[string][]byte{
		"escaped": []byte("\xef\xbb\xbf {\"a\\u0062\" : {\"format_version\": 1}, \"s\": \"}\\\"\", \"n\": -1.5e3, \"l\": [1, {\"x\": []}], \"format_version\": \"1.2\"}"),
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = raw
	}
	for name, raw := range docs {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(bytes.TrimPrefix(raw, bomUTF8), &top); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for k := range top {
			if !MayHaveTopLevelKey(raw, k) {
				t.Errorf("%s: MayHaveTopLevelKey(%q) = false, but the key is there", name, k)
			}
		}
		for _, k := range []string{"no-such-key", "InstanceId", "x"} {
			if _, ok := top[k]; !ok && MayHaveTopLevelKey(raw, k) {
				t.Errorf("%s: MayHaveTopLevelKey(%q) = true for a nested or missing key", name, k)
			}
		}
	}
	for _, s := range []string{"", "[]", `"format_version"`, "null", `{"a":`, `{"a":1`} {
		if MayHaveTopLevelKey([]byte(s), "format_version") {
			t.Errorf("MayHaveTopLevelKey(%q) = true", s)
		}
	}
}

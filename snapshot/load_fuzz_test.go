package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
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

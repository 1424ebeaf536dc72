package collector

import (
	"errors"
	"os"
	"path/filepath"
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
	for _, s := range []string{"", "{", "[]", "null", `{"schemaVersion":"apigw-preflight/v1"}`, "\xff\xfe", `{"a":1}{"b":2}`} {
		f.Add([]byte(s))
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
	})
}

package snapshot

import (
	"os"
	"testing"
)

// BenchmarkParse loads the healthy sample: decode, the checking token
// pass, version and schema validation (the line index is recorded only
// when a line is asked for).
func BenchmarkParse(b *testing.B) {
	raw, err := os.ReadFile("../testdata/snapshots/healthy.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("healthy.json", raw); err != nil {
			b.Fatal(err)
		}
	}
}

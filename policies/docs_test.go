package policies

import (
	"context"
	"os"
	"strings"
	"testing"
)

const (
	readmePath = "../README.md"
	rulesBegin = "<!-- rules:begin (generated from the rules' METADATA: go test ./policies -run TestReadmeRules -update) -->\n"
	rulesEnd   = "<!-- rules:end -->"
)

// TestReadmeRules keeps the README's rule table equal to the rules'
// METADATA, so the two can never drift apart.
func TestReadmeRules(t *testing.T) {
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	i, j := strings.Index(s, rulesBegin), strings.Index(s, rulesEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the generated rules section markers")
	}
	e, err := New(context.Background(), Options{MaxAge: DefaultMaxAge}) // tool rules listed too
	if err != nil {
		t.Fatal(err)
	}
	want := MarkdownTable(AllRules(e))
	got := s[i+len(rulesBegin) : j]
	if got == want {
		return
	}
	if *update {
		s = s[:i+len(rulesBegin)] + want + s[j:]
		if err := os.WriteFile(readmePath, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md rule table is stale; run: go test ./policies -run TestReadmeRules -update\n--- want ---\n%s", want)
}

package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"testing"
)

// wholeJSON is the json report as one document encoded at once, the
// bytes the streaming encoder must reproduce.
func wholeJSON(t *testing.T, r *Result) []byte {
	t.Helper()
	out := jsonDocument(r)
	out.Migrations = []jsonMigration{}
	for i := range r.Migrations {
		out.Migrations = append(out.Migrations, jsonMigrationOf(r, &r.Migrations[i]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The json report is written a migration at a time; its bytes are those of
// the whole document encoded at once, for results with none, one and many
// migrations, an audit's placements, and messages that look like the cut
// the streaming encoder makes.
func TestJSONStreamsTheWholeDocument(t *testing.T) {
	for name, r := range streamResults() {
		t.Run(name, func(t *testing.T) {
			want := wholeJSON(t, r)
			got := renderWith(t, "json", Options{}, r)
			if !bytes.Equal(got, want) {
				t.Fatalf("streamed json differs from the whole document:\n--- streamed\n%s\n--- whole\n%s", got, want)
			}
			if !json.Valid(got) {
				t.Fatal("streamed json is not valid JSON")
			}
		})
	}
}

// streamResults are results with none, one and many migrations, an
// audit's placements, waivers, a plan, and messages that look like the
// cuts the streaming encoders make.
func streamResults() map[string]*Result {
	tricky := fixtureResult()
	tricky.Migrations[0].Findings[0].Message = "a message with \"migrations\": [] and\n  \"migrations\": [] <&> ]]> </testsuites> in it"
	empty := fixtureResult()
	empty.Migrations = nil
	one := fixtureResult()
	one.Migrations = one.Migrations[:1]
	return map[string]*Result{
		"fixture": fixtureResult(),
		"tricky":  tricky,
		"empty":   empty,
		"one":     one,
		"plan":    planResult(),
		"fleet":   fleetResult(),
		"waived":  waivedResult(),
	}
}

// The junit report is written a suite at a time; its bytes are those of
// the whole document encoded at once.
func TestJUnitStreamsTheWholeDocument(t *testing.T) {
	for name, r := range streamResults() {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			want.WriteString(xml.Header)
			enc := xml.NewEncoder(&want)
			enc.Indent("", "  ")
			if err := enc.Encode(buildJUnit(r, Options{})); err != nil {
				t.Fatal(err)
			}
			want.WriteString("\n")
			if got := renderWith(t, "junit", Options{}, r); !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("streamed junit differs from the whole document:\n--- streamed\n%s\n--- whole\n%s", got, want.Bytes())
			}
		})
	}
}

// The sarif log is written a result at a time; its bytes are those of the
// whole log encoded at once.
func TestSARIFStreamsTheWholeLog(t *testing.T) {
	for name, r := range streamResults() {
		t.Run(name, func(t *testing.T) {
			log, err := buildSARIF(r, Options{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := sarifEncode(log, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := renderWith(t, "sarif", Options{}, r); !bytes.Equal(got, want) {
				t.Fatalf("streamed sarif differs from the whole log:\n--- streamed\n%s\n--- whole\n%s", got, want)
			}
		})
	}
}

package snapshot

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

// A section a newer release writes is ignored with one note naming it; the
// rest of the snapshot loads as without it, and the ignored section does
// not reach the policies.
func TestUnknownSectionIsIgnoredWithANote(t *testing.T) {
	raw, err := os.ReadFile("../testdata/snapshots/healthy.json")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Parse("healthy.json", raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain.Notes) != 0 {
		t.Fatalf("notes on a snapshot of known sections: %q", plain.Notes)
	}
	body := strings.TrimSpace(string(raw))
	newer := body[:len(body)-1] + `,
  "zoneFailover": {"zones": ["cn-hangzhou-h"]},
  "apiCatalogue": []
}
`
	d, err := Parse("newer.json", []byte(newer))
	if err != nil {
		t.Fatalf("a snapshot with unknown sections must load: %v", err)
	}
	want := []string{
		`newer.json: ignored top-level section "apiCatalogue", which this release does not know (written by a newer collector?)`,
		`newer.json: ignored top-level section "zoneFailover", which this release does not know (written by a newer collector?)`,
	}
	if !slices.Equal(d.Notes, want) {
		t.Errorf("notes = %q\nwant %q", d.Notes, want)
	}
	if _, has := d.Value["zoneFailover"]; has {
		t.Error("the ignored section is still in the policy input")
	}
	if len(d.Value) != len(plain.Value) || d.GroupID != plain.GroupID || d.DestID != plain.DestID {
		t.Errorf("the known sections changed: %d keys, want %d", len(d.Value), len(plain.Value))
	}
}

// A misspelt known section is an error, never a note: its data would be lost.
func TestMisspeltSectionIsAnError(t *testing.T) {
	raw, err := os.ReadFile("../testdata/snapshots/healthy.json")
	if err != nil {
		t.Fatal(err)
	}
	for key, near := range map[string]string{"plugin": "plugins", "vpcWhiteList": "vpcWhitelist", "backend": "backends", "trafic": "traffic", "CollectionErrors": "collectionErrors"} {
		body := strings.TrimSpace(string(raw))
		doc := body[:len(body)-1] + ",\n  \"" + key + "\": []\n}\n"
		_, err := Parse("typo.json", []byte(doc))
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: err = %v, want *InputError", key, err)
			continue
		}
		if ie.Path != key || !strings.Contains(ie.Hint, `"`+near+`"`) || ie.Line < 2 {
			t.Errorf("%s: got %+v, want path %s, a line, and a hint naming %s", key, ie, key, near)
		}
	}
}

func TestKnownSectionsFollowTheSchema(t *testing.T) {
	got := KnownSections()
	for _, k := range []string{"schemaVersion", "group", "backends", "plugins", "vpcWhitelist", "collector"} {
		if !slices.Contains(got, k) {
			t.Errorf("KnownSections lacks %s: %v", k, got)
		}
	}
}

package policies

import (
	"io/fs"
	"maps"
	"os"
	"regexp"
	"testing"
	"testing/fstest"
)

// TestPackVersionIsTheEmbeddedContent ties the rule pack version to the
// policy files in the source tree: the embedded pack and the files on disk
// digest alike, and the value has the documented form.
func TestPackVersionIsTheEmbeddedContent(t *testing.T) {
	got, err := PackVersion()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^sha256:[0-9a-f]{12}$`).MatchString(got) {
		t.Fatalf("PackVersion() = %q, want sha256: and 12 hex digits", got)
	}
	disk := fstest.MapFS{}
	for _, dir := range []string{"lib", "rules"} {
		err := fs.WalkDir(os.DirFS("."), dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			src, err := os.ReadFile(p)
			disk[p] = &fstest.MapFile{Data: src}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	want, err := packDigest(disk)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("PackVersion() = %s, the policy files on disk digest to %s", got, want)
	}
}

// TestPackDigestFollowsWhatIsEvaluated: any change to a rule or library
// file, its path included, gives another version; tests and other files do
// not count, since the engine does not evaluate them.
func TestPackDigestFollowsWhatIsEvaluated(t *testing.T) {
	base := fstest.MapFS{
		"lib/lib.rego":                         {Data: []byte("package apigw.lib\n")},
		"rules/rps_capacity/rps_capacity.rego": {Data: []byte("package apigw.rules.rps_capacity\n")},
	}
	digest := func(t *testing.T, fsys fstest.MapFS) string {
		t.Helper()
		d, err := packDigest(fsys)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	with := func(edit func(fstest.MapFS)) fstest.MapFS {
		c := maps.Clone(base)
		edit(c)
		return c
	}
	want := digest(t, base)
	if again := digest(t, with(func(fstest.MapFS) {})); again != want {
		t.Fatalf("same files, digests %s and %s", want, again)
	}
	same := map[string]fstest.MapFS{
		"a test file added": with(func(m fstest.MapFS) {
			m["rules/rps_capacity/rps_capacity_test.rego"] = &fstest.MapFile{Data: []byte("package x_test\n")}
		}),
		"a sample added": with(func(m fstest.MapFS) {
			m["rules/rps_capacity/firing.json"] = &fstest.MapFile{Data: []byte("{}")}
		}),
	}
	for name, fsys := range same {
		if got := digest(t, fsys); got != want {
			t.Errorf("%s: digest %s, want %s", name, got, want)
		}
	}
	changed := map[string]fstest.MapFS{
		"a rule edited": with(func(m fstest.MapFS) {
			m["rules/rps_capacity/rps_capacity.rego"] = &fstest.MapFile{Data: []byte("package apigw.rules.rps_capacity\n\n")}
		}),
		"the library edited": with(func(m fstest.MapFS) {
			m["lib/lib.rego"] = &fstest.MapFile{Data: []byte("package apigw.lib\n# x\n")}
		}),
		"a rule added": with(func(m fstest.MapFS) {
			m["rules/new/new.rego"] = &fstest.MapFile{Data: []byte("package apigw.rules.new\n")}
		}),
		"a rule renamed": with(func(m fstest.MapFS) {
			m["rules/rps/rps_capacity.rego"] = m["rules/rps_capacity/rps_capacity.rego"]
			delete(m, "rules/rps_capacity/rps_capacity.rego")
		}),
		"a rule removed": with(func(m fstest.MapFS) {
			delete(m, "rules/rps_capacity/rps_capacity.rego")
		}),
	}
	seen := map[string]string{want: "the base"}
	for name, fsys := range changed {
		got := digest(t, fsys)
		if prev, dup := seen[got]; dup {
			t.Errorf("%s: digest %s, the same as %s", name, got, prev)
		}
		seen[got] = name
	}
}

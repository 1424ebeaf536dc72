package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// What the JSON decoder lets through but a reader of the file would take
// differently is bad input for check: exit 2, one line naming the file,
// the line and the key or path, no report. A UTF-8 byte order mark is not.
func TestCheckRejectsAmbiguousJSON(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile(repoFile(t, "testdata/snapshots/healthy.json"))
	if err != nil {
		t.Fatal(err)
	}
	healthy := string(raw)
	// lineOf is the 1-based line of the first occurrence of s in healthy
	// (the source instance comes first in the sample).
	lineOf := func(s string) string {
		i := strings.Index(healthy, s)
		if i < 0 {
			t.Fatalf("%q not in the sample", s)
		}
		return strconv.Itoa(1 + strings.Count(healthy[:i], "\n"))
	}
	replace := func(old, new string) string {
		if !strings.Contains(healthy, old) {
			t.Fatalf("%q not in the sample", old)
		}
		return strings.Replace(healthy, old, new, 1)
	}
	cases := []struct {
		name, content string
		want          []string
	}{
		{"duplicate key", replace(`"InstanceRpsLimit": 2500,`, `"InstanceRpsLimit": 2500, "InstanceRpsLimit": 99999,`),
			[]string{"dup.json:" + lineOf(`"InstanceRpsLimit": 2500,`) + ": source: duplicate key \"InstanceRpsLimit\""}},
		{"infinite capacity", replace(`"InstanceRpsLimit": 2500,`, `"InstanceRpsLimit": 1e400,`),
			[]string{"inf.json:" + lineOf(`"InstanceRpsLimit": 2500,`) + ": source.InstanceRpsLimit: number 1e400 is out of range"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := write(t, dir, []string{"dup.json", "inf.json"}[i], c.content)
			r := runCLI(t, dir, "", "check", "-f", "text", "-f", "json=report.json", file)
			if r.code != exitUsage || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Fatalf("exit %d, stdout %.100q, stderr %q; want exit 2 and one line", r.code, r.stdout, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not contain %q", r.stderr, w)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "report.json")); err == nil {
				t.Error("a report was written for bad input")
			}
		})
	}
	t.Run("byte order mark", func(t *testing.T) {
		bom := write(t, dir, "bom.json", "\xef\xbb\xbf"+healthy)
		plain := write(t, dir, "plain.json", healthy)
		a := runCLI(t, dir, "", "check", fresh, "-f", "json=a.json", bom)
		b := runCLI(t, dir, "", "check", fresh, "-f", "json=b.json", plain)
		if a.code != exitPass || b.code != exitPass {
			t.Fatalf("exit %d and %d: %s %s", a.code, b.code, a.stderr, b.stderr)
		}
		ra, _ := os.ReadFile(filepath.Join(dir, "a.json"))
		rb, _ := os.ReadFile(filepath.Join(dir, "b.json"))
		// The reports differ only in the input's name.
		if got := strings.ReplaceAll(string(ra), "bom.json", "plain.json"); got != string(rb) || len(rb) < 100 {
			t.Errorf("the report of the marked file differs from the plain one's")
		}
	})
}

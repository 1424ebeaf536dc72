package textdist

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"check", "check", 0}, {"chek", "check", 1}, {"chekc", "check", 1},
		{"fail-onn", "fail-on", 1}, {"backends", "Backends", 1}, {"abc", "", 3}, {"kitten", "sitting", 3},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	if got := AtMost("kitten", "sitting", 2); got != 2 {
		t.Errorf("AtMost(kitten, sitting, 2) = %d, want 2", got)
	}
	if got := AtMost("a", "abcdef", 3); got != 3 {
		t.Errorf("AtMost by length = %d, want 3", got)
	}
	if got := AtMost("plugin", "plugins", 3); got != 1 {
		t.Errorf("AtMost(plugin, plugins, 3) = %d, want 1", got)
	}
}

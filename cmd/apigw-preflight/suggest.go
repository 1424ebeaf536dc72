package main

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/internal/textdist"
)

// suggest returns the candidate closest to what was typed, when it is
// close enough to be what was meant: a prefix of it (three characters or
// more), or within an edit distance of a third of its length
// (at least 1, at most 3); "" when none is, or two are equally close.
func suggest(typed string, candidates []string) string {
	best, bestDist, tie := "", 0, false
	for _, c := range candidates {
		if c == typed {
			return ""
		}
		d := textdist.Distance(typed, c)
		if len(typed) >= 3 && strings.HasPrefix(c, typed) {
			d = min(d, 1)
		}
		limit := min(max(len(c)/3, 1), 3)
		if d > limit {
			continue
		}
		switch {
		case best == "" || d < bestDist:
			best, bestDist, tie = c, d, false
		case d == bestDist:
			tie = true
		}
	}
	if tie {
		return ""
	}
	return best
}

// suggestCommand is the command of the table name is a misspelling of.
func suggestCommand(name string) string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return suggest(name, names)
}

// suggestFlag is the long flag of fs name is a misspelling of.
func suggestFlag(fs *pflag.FlagSet, name string) string {
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	names = append(names, "help")
	return suggest(name, names)
}

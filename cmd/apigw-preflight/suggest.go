package main

import (
	"strings"

	"github.com/spf13/pflag"
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
		d := editDistance(typed, c)
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

// editDistance is the Levenshtein distance between a and b, with a swap
// of two neighbouring characters counted as one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
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

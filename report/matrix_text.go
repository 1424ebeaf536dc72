package report

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strings"
	"text/tabwriter"
)

// matrix writes an audit's placement matrix as a table: one row per
// (group, destination), the planned destination first, the verdict, the
// headroom left after the group's peak and the rules that block it; the
// recommended destination of each group is marked with *.
func (t *textReporter) matrix(w *bufio.Writer, r *Result) {
	placements := r.Placements()
	if len(placements) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", t.paint(ansiBold, "Placement matrix (* recommended: passes, most RPS headroom after the group's peak)"))
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tDESTINATION\tROLE\tVERDICT\tHEADROOM RPS\tBLOCKERS")
	for _, p := range placements {
		name := p.GroupName
		if name == "" {
			name = p.GroupID
		}
		for i, c := range p.Candidates {
			group := ""
			if i == 0 {
				group = name
			}
			dest := "  " + c.Destination
			if c.Destination == p.Recommended {
				dest = "* " + c.Destination
			}
			role := "candidate"
			if c.Destination == p.Planned && !r.Migrations[c.Migration].Candidate {
				role = "planned"
			}
			headroom := "-"
			if c.HeadroomRPS != nil {
				headroom = signedThousands(*c.HeadroomRPS)
			}
			blockers := "-"
			if len(c.Blockers) > 0 {
				blockers = strings.Join(c.Blockers, ", ")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", group, dest, role, c.Readiness, headroom, blockers)
		}
		if p.Recommended == "" {
			// Every cell, so the columns stay one block; the padding is
			// trimmed below.
			fmt.Fprintf(tw, "\t  (no destination passes)\t\t\t\t\n")
		}
	}
	tw.Flush()
	for _, line := range strings.SplitAfter(table.String(), "\n") {
		if line != "" {
			w.WriteString(strings.TrimRight(line, " \n") + "\n")
		}
	}
}

// signedThousands writes a rounded RPS figure with thousands separators.
func signedThousands(f float64) string {
	n := int64(math.Round(f))
	neg := n < 0
	if neg {
		n = -n
	}
	s := fmt.Sprintf("%d", n)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

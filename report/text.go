package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
)

func init() {
	register(Format{
		Name:        "text",
		Description: "for people: findings per migration with remediations, a table of the migrations when there are several, and a summary line",
		New:         func(o Options) Reporter { return &textReporter{color: o.Color} },
	})
}

type textReporter struct{ color bool }

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiGreen  = "\x1b[32m"
	ansiDim    = "\x1b[2m"
)

func (t *textReporter) paint(code, s string) string {
	if !t.color {
		return s
	}
	return code + s + ansiReset
}

func (t *textReporter) severityLabel(s Severity) string {
	label := fmt.Sprintf("%-7s", strings.ToUpper(s.String()))
	switch s {
	case SeverityError:
		return t.paint(ansiBold+ansiRed, label)
	case SeverityWarning:
		return t.paint(ansiYellow, label)
	default:
		return t.paint(ansiCyan, label)
	}
}

func (t *textReporter) Report(w io.Writer, r *Result) error {
	bw := bufio.NewWriter(w)
	for i := range r.Migrations {
		if i > 0 {
			bw.WriteString("\n")
		}
		t.migration(bw, r, &r.Migrations[i])
	}
	if slices.ContainsFunc(r.Migrations, func(m Migration) bool { return m.IsFleet() }) {
		t.matrix(bw, r)
	}
	if len(r.Migrations) > 0 {
		bw.WriteString("\n")
	}
	if len(r.Migrations) > 1 {
		t.summaryTable(bw, r)
		bw.WriteString("\n")
	}
	bw.WriteString(t.summaryLine(r))
	bw.WriteString("\n")
	return bw.Flush()
}

func (t *textReporter) migration(w *bufio.Writer, r *Result, m *Migration) {
	name := m.GroupName
	if name == "" {
		name = m.GroupID
	}
	verdict := t.paint(ansiBold+ansiGreen, "PASS")
	judged, role := *m, ""
	if m.Candidate {
		// A candidate is judged as if it were planned; it never fails the gate.
		judged.Candidate, role = false, " (candidate)"
	}
	if r.MigrationFails(&judged) {
		verdict = t.paint(ansiBold+ansiRed, "FAIL")
	}
	switch {
	case m.IsPlan():
		fmt.Fprintf(w, "%s  %s\n", verdict, t.paint(ansiBold, "terraform plan"))
		fmt.Fprintf(w, "      %s\n", t.paint(ansiDim, m.Input))
	case m.Kind == KindFleet:
		fmt.Fprintf(w, "%s  %s\n", verdict, t.paint(ansiBold, "plan-wide rules"))
		fmt.Fprintf(w, "      %s\n", t.paint(ansiDim, m.Input))
	case m.IsWaivers():
		fmt.Fprintf(w, "%s  %s\n", verdict, t.paint(ansiBold, "waivers "+m.Input))
		fmt.Fprintf(w, "      %s\n", t.paint(ansiDim, waiverFileLine(r, m.Input)))
	default:
		fmt.Fprintf(w, "%s  %s (%s): %s -> %s%s\n", verdict, t.paint(ansiBold, name), m.GroupID, m.Source, m.Destination, role)
		fmt.Fprintf(w, "      %s\n", t.paint(ansiDim, fmt.Sprintf("%s, region %s, collected %s", m.Input, m.RegionID, m.CollectedAt.UTC().Format("2006-01-02 15:04:05Z"))))
	}
	for _, e := range m.Errors {
		fmt.Fprintf(w, "  %s %s could not be evaluated: %s\n", t.paint(ansiBold+ansiRed, "ERROR  "), e.RuleID, oneLine(e.Message))
	}
	if len(m.Findings) == 0 && len(m.Errors) == 0 {
		fmt.Fprintf(w, "  no findings: %d rules passed\n", len(m.Evaluated))
		return
	}
	var waived []Finding
	for _, f := range m.Findings {
		if f.Waived() {
			waived = append(waived, f)
			continue
		}
		tag := ""
		if f.Undecided {
			tag = t.paint(ansiBold+ansiYellow, "UNDECIDED") + " "
		}
		fmt.Fprintf(w, "  %s %s %s%s\n", t.severityLabel(f.Severity), t.paint(ansiBold, f.RuleID+" "+f.RuleName), tag, f.Message)
		if f.Remediation != "" {
			fmt.Fprintf(w, "          %s %s\n", t.paint(ansiDim, "fix:"), f.Remediation)
		}
	}
	if len(waived) == 0 {
		return
	}
	fmt.Fprintf(w, "  %s %s accepted by waivers, not counted for the gate:\n", t.paint(ansiBold+ansiCyan, "WAIVED "), plural(len(waived), "finding"))
	for _, f := range waived {
		wv := f.Waiver
		fmt.Fprintf(w, "  %s %s %s\n", t.severityLabel(f.Severity), t.paint(ansiBold, f.RuleID+" "+f.RuleName), f.Message)
		ticket := ""
		if wv.Ticket != "" {
			ticket = ", ticket " + wv.Ticket
		}
		fmt.Fprintf(w, "          %s %s: %s (owner %s%s, expires %s)\n", t.paint(ansiDim, "waiver:"), wv.ID, wv.Reason, wv.Owner, ticket, wv.Expires)
	}
}

// waiverFileLine says how the waivers of one file were used.
func waiverFileLine(r *Result, file string) string {
	var n, used, expired int
	for _, u := range r.Waivers {
		if u.File != file {
			continue
		}
		n++
		switch {
		case u.Expired:
			expired++
		case u.Used > 0:
			used++
		}
	}
	return fmt.Sprintf("%s: %d used, %d unused, %d expired", plural(n, "waiver"), used, n-used-expired, expired)
}

func (t *textReporter) summaryLine(r *Result) string {
	s := r.Summary()
	var b strings.Builder
	gate := "--fail-on " + r.FailOn.String()
	if r.FailOnUndecided {
		gate += " --fail-on-undecided"
	}
	fmt.Fprintf(&b, "%s, %s failed the gate (%s): %s, %s, %s",
		plural(s.Migrations, "migration"), count(s.Failed), gate,
		plural(s.Errors, "error"), plural(s.Warnings, "warning"), plural(s.Notes, "note"))
	if s.Undecided > 0 {
		fmt.Fprintf(&b, ", %s", plural(s.Undecided, "undecided finding"))
	}
	if s.Waived > 0 {
		fmt.Fprintf(&b, ", %s waived", count(s.Waived))
	}
	if s.RuleErrors > 0 {
		fmt.Fprintf(&b, ", %s could not be evaluated", plural(s.RuleErrors, "rule"))
	}
	if s.WaiverFilesFailed > 0 {
		fmt.Fprintf(&b, "; the findings about %s fail the gate", plural(s.WaiverFilesFailed, "waiver file"))
	}
	b.WriteString(".")
	line := b.String()
	if s.Failed > 0 || s.RuleErrors > 0 || s.WaiverFilesFailed > 0 {
		return t.paint(ansiBold+ansiRed, line)
	}
	return t.paint(ansiBold+ansiGreen, line)
}

// summaryTable writes one row per migration: group, destination,
// readiness, counts by severity and undecided, and the first blocker.
func (t *textReporter) summaryTable(w *bufio.Writer, r *Result) {
	header := []string{"group", "destination", "verdict", "errors", "warnings", "notes", "undecided", "first blocker"}
	rows := make([][]string, 0, len(r.Migrations))
	ready := make([]Readiness, 0, len(r.Migrations))
	for i := range r.Migrations {
		m := &r.Migrations[i]
		group, dest := m.GroupName, m.Destination
		if group == "" {
			group = m.GroupID
		}
		switch m.Kind {
		case KindTerraformPlan:
			group, dest = "terraform plan", "-"
		case KindFleet:
			group, dest = "plan-wide rules", "-"
		case KindWaivers:
			group, dest = "waivers "+m.Input, "-"
		}
		if m.Candidate {
			dest += " (candidate)"
		}
		c := severityCounts(m)
		rd := r.Readiness(m)
		ready = append(ready, rd)
		rows = append(rows, []string{oneLine(group), oneLine(dest), rd.Label(),
			count(c.errors), count(c.warnings), count(c.notes), count(c.undecided), firstBlocker(r, m)})
	}
	widths := make([]int, len(header))
	for _, row := range append([][]string{header}, rows...) {
		for j, cell := range row {
			widths[j] = max(widths[j], len([]rune(cell)))
		}
	}
	numeric := func(j int) bool { return j >= 3 && j <= 6 }
	line := func(row []string, rd Readiness) string {
		var b strings.Builder
		b.WriteString(" ")
		for j, cell := range row {
			pad := strings.Repeat(" ", widths[j]-len([]rune(cell)))
			if j == len(row)-1 {
				pad = ""
			}
			if numeric(j) {
				cell = pad + cell
			} else {
				cell += pad
			}
			if j == 2 && rd != "" {
				cell = t.readinessPaint(rd, cell)
			}
			b.WriteString(" " + cell)
		}
		return strings.TrimRight(b.String(), " ") + "\n"
	}
	w.WriteString(t.paint(ansiBold, line(header, "")))
	for i, row := range rows {
		w.WriteString(line(row, ready[i]))
	}
}

func (t *textReporter) readinessPaint(rd Readiness, s string) string {
	switch rd {
	case ReadinessReady:
		return t.paint(ansiGreen, s)
	case ReadinessConditional:
		return t.paint(ansiYellow, s)
	case ReadinessBlocked:
		return t.paint(ansiBold+ansiRed, s)
	}
	return t.paint(ansiBold+ansiYellow, s)
}

type findingCounts struct{ errors, warnings, notes, undecided int }

func severityCounts(m *Migration) findingCounts {
	var c findingCounts
	for _, f := range m.Findings {
		switch f.Severity {
		case SeverityError:
			c.errors++
		case SeverityWarning:
			c.warnings++
		case SeverityNote:
			c.notes++
		}
		if f.Undecided {
			c.undecided++
		}
	}
	return c
}

// firstBlocker names what first stands between a migration and going: a
// rule that could not be evaluated, else the most severe decided finding
// that fails the gate, else a rule that could not check and blocks; "-"
// when nothing does.
func firstBlocker(r *Result, m *Migration) string {
	name := func(id string) string {
		if rule, ok := r.RuleByID(id); ok && rule.Name != "" {
			return id + " " + rule.Name
		}
		return id
	}
	if len(m.Errors) > 0 {
		return name(m.Errors[0].RuleID) + " (not evaluated)"
	}
	findings := slices.Clone(m.Findings)
	SortFindings(findings)
	for _, f := range findings {
		if !f.Undecided && r.FindingFails(f) {
			return name(f.RuleID)
		}
	}
	for _, f := range findings {
		if f.Undecided && r.undecidedBlocks(f) {
			return name(f.RuleID) + " (could not check)"
		}
	}
	return "-"
}

func count(n int) string { return fmt.Sprintf("%d", n) }

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// oneLine folds a multi-line message onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

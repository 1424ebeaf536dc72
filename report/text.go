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
		Description: "for people: findings per migration with remediations, and a summary line",
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
	if m.IsPlan() || m.IsFleet() {
		fmt.Fprintf(w, "%s  %s\n", verdict, t.paint(ansiBold, m.ID()))
		fmt.Fprintf(w, "      %s\n", t.paint(ansiDim, m.Input))
	} else {
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
	for _, f := range m.Findings {
		tag := ""
		if f.Undecided {
			tag = t.paint(ansiBold+ansiYellow, "UNDECIDED") + " "
		}
		fmt.Fprintf(w, "  %s %s %s%s\n", t.severityLabel(f.Severity), t.paint(ansiBold, f.RuleID+" "+f.RuleName), tag, f.Message)
		if f.Remediation != "" {
			fmt.Fprintf(w, "          %s %s\n", t.paint(ansiDim, "fix:"), f.Remediation)
		}
	}
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
	if s.RuleErrors > 0 {
		fmt.Fprintf(&b, ", %s could not be evaluated", plural(s.RuleErrors, "rule"))
	}
	b.WriteString(".")
	line := b.String()
	if s.Failed > 0 || s.RuleErrors > 0 {
		return t.paint(ansiBold+ansiRed, line)
	}
	return t.paint(ansiBold+ansiGreen, line)
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

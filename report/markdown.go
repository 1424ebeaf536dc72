package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

func init() {
	register(Format{
		Name:        "markdown",
		Description: "Markdown summary for pull request comments and merge request notes (also the github format's job summary)",
		New:         func(o Options) Reporter { return markdownReporter{opts: o} },
	})
}

// Markdown output: a summary to paste into a pull request comment or a
// merge request note, and the job summary of the github format (one
// renderer, markdownSummary, for both):
//
//   - a heading with the verdict and the gate, then a table with one row per
//     migration (verdict, migration, counts by severity, undecided findings,
//     rules that could not be evaluated);
//   - then, per migration, a collapsible <details> block listing its rule
//     errors and findings (severity, rule, message, remediation, and the
//     snapshot file and line);
//   - at most MarkdownLimit characters (GitHub refuses comments over 65,536):
//     what does not fit is left out from the end, table rows and details
//     alike, and a closing line says how many migrations and findings were
//     left out and where to find them all;
//   - text from findings is escaped so that it cannot open HTML, links or
//     emphasis, and folded onto one line.
type markdownReporter struct{ opts Options }

// MarkdownLimit is the most characters the markdown format writes: below
// GitHub's 65,536 for a comment, with room for a line added around it.
const MarkdownLimit = 65000

func (m markdownReporter) Report(w io.Writer, r *Result) error {
	if _, err := io.WriteString(w, markdownSummary(r, m.opts)); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

// markdownSummary renders the summary within MarkdownLimit bytes (so within
// as many characters).
func markdownSummary(r *Result, opts Options) string {
	s := r.Summary()
	var b strings.Builder
	verdict := "PASS"
	if r.Verdict() != VerdictPass {
		verdict = "FAIL"
	}
	gate := "--fail-on " + r.FailOn.String()
	if r.FailOnUndecided {
		gate += " --fail-on-undecided"
	}
	fmt.Fprintf(&b, "## apigw-preflight: %s\n\n", verdict)
	fmt.Fprintf(&b, "%s, %d failed the gate (`%s`): %s, %s, %s",
		plural(s.Migrations, "migration"), s.Failed, gate, plural(s.Errors, "error"), plural(s.Warnings, "warning"), plural(s.Notes, "note"))
	if s.Undecided > 0 {
		fmt.Fprintf(&b, ", %s", plural(s.Undecided, "undecided finding"))
	}
	if s.Waived > 0 {
		fmt.Fprintf(&b, ", %d waived", s.Waived)
	}
	if s.RuleErrors > 0 {
		fmt.Fprintf(&b, ", %s could not be evaluated", plural(s.RuleErrors, "rule"))
	}
	b.WriteString(".\n")

	// Everything after the heading is cut to fit, keeping room for the
	// closing line.
	const reserve = 300
	budget := MarkdownLimit - reserve
	var rowsLeft, detailsLeft, findingsLeft int
	ps := r.Placements()
	if len(ps) > 1 || hasCandidates(r) {
		b.WriteString(markdownReadiness(ps, hasCandidates(r)))
	}
	matrixLeft := 0
	if hasCandidates(r) {
		matrixLeft = markdownMatrix(&b, ps, budget)
	}
	if len(r.Migrations) > 0 {
		b.WriteString("\n| | migration | errors | warnings | notes | undecided | not evaluated |\n|---|---|---|---|---|---|---|\n")
	}
	for i := range r.Migrations {
		row := markdownRow(r, &r.Migrations[i])
		if b.Len()+len(row) > budget {
			rowsLeft = len(r.Migrations) - i
			break
		}
		b.WriteString(row)
	}
	for i := range r.Migrations {
		m := &r.Migrations[i]
		block, omitted, ok := markdownDetails(r, opts, m, budget-b.Len())
		if !ok {
			detailsLeft = len(r.Migrations) - i
			for _, mm := range r.Migrations[i:] {
				findingsLeft += len(mm.Findings)
			}
			break
		}
		b.WriteString(block)
		findingsLeft += omitted
	}
	if matrixLeft > 0 || rowsLeft > 0 || detailsLeft > 0 || findingsLeft > 0 {
		var parts []string
		if matrixLeft > 0 {
			parts = append(parts, plural(matrixLeft, "matrix row"))
		}
		if rowsLeft > 0 {
			parts = append(parts, plural(rowsLeft, "table row"))
		}
		if detailsLeft > 0 {
			parts = append(parts, "the details of "+plural(detailsLeft, "migration"))
		}
		if findingsLeft > 0 {
			parts = append(parts, plural(findingsLeft, "finding"))
		}
		fmt.Fprintf(&b, "\n_Left out to stay within %d characters: %s. The text, json and sarif reports have everything._\n",
			MarkdownLimit, strings.Join(parts, ", "))
	}
	return b.String()
}

// hasCandidates reports whether the result holds alternative destinations
// (an audit), which the placement matrix compares.
func hasCandidates(r *Result) bool {
	return slices.ContainsFunc(r.Migrations, func(m Migration) bool { return m.Candidate })
}

// markdownReadiness is the table of readiness counts: groups by their
// planned destination, and, with candidates, every group and destination
// pair.
func markdownReadiness(ps []Placement, withPairs bool) string {
	var b strings.Builder
	pairs := map[Readiness]int{}
	for _, p := range ps {
		for _, c := range p.Candidates {
			pairs[c.Readiness]++
		}
	}
	if !withPairs {
		b.WriteString("\n| readiness | groups |\n|---|---|\n")
	} else {
		b.WriteString("\n| readiness | groups (planned destination) | group and destination pairs |\n|---|---|---|\n")
	}
	for _, c := range readinessCounts(ps) {
		if withPairs {
			fmt.Fprintf(&b, "| %s | %d | %d |\n", c.Label, c.N, pairs[c.Readiness])
		} else {
			fmt.Fprintf(&b, "| %s | %d |\n", c.Label, c.N)
		}
	}
	return b.String()
}

// markdownMaxColumns is the most destinations the markdown matrix gives a
// column each; beyond, one column lists each group's destinations.
const markdownMaxColumns = 6

// markdownMatrix writes the placement matrix, as many rows as fit within
// budget bytes of b, and returns how many rows it left out.
func markdownMatrix(b *strings.Builder, ps []Placement, budget int) (left int) {
	cols := placementColumns(ps)
	wide := len(cols) <= markdownMaxColumns
	header := "\n**Placement matrix** (★ recommended: the most RPS headroom among the destinations that can take the group)\n\n| group | planned | recommended |"
	sep := "|---|---|---|"
	if wide {
		for _, c := range cols {
			header += " `" + mdCode(c) + "` |"
			sep += "---|"
		}
	} else {
		header += " destinations |"
		sep += "---|"
	}
	if b.Len()+len(header)+len(sep)+2 > budget {
		return len(ps)
	}
	b.WriteString(header + "\n" + sep + "\n")
	for i, p := range ps {
		var row strings.Builder
		name := "`" + mdCode(p.GroupID) + "`"
		if p.GroupName != "" {
			name = mdText(p.GroupName)
		}
		fmt.Fprintf(&row, "| %s | %s | ", name, groupReadiness(p).Label())
		if p.Recommended != "" {
			row.WriteString("`" + mdCode(p.Recommended) + "` |")
		} else {
			row.WriteString("none passes |")
		}
		if wide {
			for _, d := range cols {
				j := slices.IndexFunc(p.Candidates, func(c PlacementCell) bool { return c.Destination == d })
				if j < 0 {
					row.WriteString(" – |")
					continue
				}
				row.WriteString(" " + markdownCell(p, p.Candidates[j]) + " |")
			}
		} else {
			cells := make([]string, len(p.Candidates))
			for j, c := range p.Candidates {
				cells[j] = "`" + mdCode(c.Destination) + "` " + markdownCell(p, c)
			}
			row.WriteString(" " + strings.Join(cells, "<br>") + " |")
		}
		row.WriteString("\n")
		if b.Len()+row.Len() > budget {
			return len(ps) - i
		}
		b.WriteString(row.String())
	}
	return 0
}

// markdownCell is one matrix cell: the readiness (bold unless the group can
// go there), the marks, the blockers and the headroom.
func markdownCell(p Placement, c PlacementCell) string {
	word := c.Readiness.Label()
	if !c.Readiness.passes() {
		word = "**" + word + "**"
	}
	parts := []string{word}
	if c.Destination == p.Planned {
		parts = append(parts, "planned")
	}
	if c.Destination == p.Recommended {
		parts = append(parts, "★ recommended")
	}
	if len(c.Blockers) > 0 {
		parts = append(parts, mdText(strings.Join(c.Blockers, ", ")))
	}
	if c.HeadroomRPS != nil {
		if h := *c.HeadroomRPS; h < 0 {
			parts = append(parts, formatRPS(-h)+" RPS over")
		} else {
			parts = append(parts, formatRPS(h)+" RPS left")
		}
	}
	return strings.Join(parts, " · ")
}

// markdownVerdict is the migration's verdict word.
func markdownVerdict(r *Result, m *Migration) string {
	if r.MigrationFails(m) {
		return "**FAIL**"
	}
	return "PASS"
}

// markdownTitle names a migration: "orders (`GroupId`) → `Destination`".
func markdownTitle(m *Migration) string {
	switch {
	case m.IsPlan():
		return "terraform plan"
	case m.Kind == KindFleet:
		return "plan-wide rules"
	case m.IsWaivers():
		return "waivers `" + mdCode(m.Input) + "`"
	}
	name := "`" + mdCode(m.GroupID) + "`"
	if m.GroupName != "" {
		name = mdText(m.GroupName) + " (" + name + ")"
	}
	title := name + " → `" + mdCode(m.Destination) + "`"
	if m.Candidate {
		title += " (candidate)"
	}
	return title
}

func markdownRow(r *Result, m *Migration) string {
	var errs, warns, notes, undecided int
	for _, f := range m.Findings {
		switch f.Severity {
		case SeverityError:
			errs++
		case SeverityWarning:
			warns++
		case SeverityNote:
			notes++
		}
		if f.Undecided {
			undecided++
		}
	}
	return fmt.Sprintf("| %s | %s | %d | %d | %d | %d | %d |\n",
		markdownVerdict(r, m), markdownTitle(m), errs, warns, notes, undecided, len(m.Errors))
}

// markdownDetails renders a migration's collapsible block within budget
// bytes: as many findings as fit, and the number left out. ok is false
// when not even the block's frame fits.
func markdownDetails(r *Result, opts Options, m *Migration, budget int) (block string, omitted int, ok bool) {
	var b strings.Builder
	path, _ := InputPath(r.WorkDir, opts.SourceRoot, m.Input)
	fmt.Fprintf(&b, "\n<details><summary>%s %s: %s</summary>\n\n",
		strings.Trim(markdownVerdict(r, m), "*"), mdHTML(markdownPlainTitle(m)), mdHTML(markdownCounts(m)))
	switch {
	case m.IsPlan():
		fmt.Fprintf(&b, "Plan `%s`.\n\n", mdCode(path))
	case m.Kind == KindFleet:
		fmt.Fprintf(&b, "Rules over the whole plan `%s`.\n\n", mdCode(path))
	case m.IsWaivers():
		fmt.Fprintf(&b, "Waiver file `%s`.\n\n", mdCode(path))
	default:
		fmt.Fprintf(&b, "Snapshot `%s`, region %s, source `%s`.\n\n", mdCode(path), mdText(m.RegionID), mdCode(m.Source))
	}
	const end = "\n</details>\n"
	const more = "- … %d more\n"
	if b.Len()+len(end)+len(more)+8 > budget {
		return "", 0, false
	}
	lines := make([]string, 0, len(m.Errors)+len(m.Findings))
	for _, e := range m.Errors {
		lines = append(lines, fmt.Sprintf("- **NOT EVALUATED** %s: %s\n", mdText(e.RuleID), mdText(e.Message)))
	}
	findings := append([]Finding(nil), m.Findings...)
	SortFindings(findings)
	for _, f := range findings {
		tag := ""
		if f.Undecided {
			tag = " _undecided_"
		}
		if f.Waiver != nil {
			tag += " _waived by " + mdText(f.Waiver.ID) + ", owner " + mdText(f.Waiver.Owner) + ", expires " + f.Waiver.Expires + "_"
		}
		where := ""
		if f.Line > 0 {
			where = fmt.Sprintf(" (`%s:%d`)", mdCode(path), f.Line)
		}
		line := fmt.Sprintf("- **%s**%s %s %s: %s%s\n", strings.ToUpper(f.Severity.String()), tag, mdText(f.RuleID), mdText(f.RuleName), mdText(f.Message), where)
		if f.Remediation != "" {
			line += "  fix: " + mdText(f.Remediation) + "\n"
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		fmt.Fprintf(&b, "No findings: %s passed.\n", plural(len(m.Evaluated), "rule"))
	}
	for i, l := range lines {
		if b.Len()+len(l)+len(end)+len(more)+8 > budget {
			omitted = len(lines) - i
			fmt.Fprintf(&b, more, omitted)
			break
		}
		b.WriteString(l)
	}
	b.WriteString(end)
	return b.String(), omitted, true
}

func markdownPlainTitle(m *Migration) string {
	switch {
	case m.IsPlan():
		return "terraform plan"
	case m.Kind == KindFleet:
		return "plan-wide rules"
	case m.IsWaivers():
		return "waivers " + m.Input
	case m.Candidate:
		return m.ID() + " (candidate)"
	}
	return m.ID()
}

func markdownCounts(m *Migration) string {
	if len(m.Findings) == 0 && len(m.Errors) == 0 {
		return "no findings"
	}
	var parts []string
	if n := len(m.Findings); n > 0 {
		parts = append(parts, plural(n, "finding"))
	}
	if n := len(m.Errors); n > 0 {
		parts = append(parts, plural(n, "rule")+" not evaluated")
	}
	return strings.Join(parts, ", ")
}

// mdText escapes text for Markdown prose and table cells: HTML
// characters become entities, Markdown punctuation is backslash-escaped,
// control characters and line breaks fold into single spaces.
func mdText(s string) string {
	s = oneLine(junitText(s))
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\', '`', '*', '_', '[', ']', '|', '~', '#', '!':
			b.WriteByte('\\')
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// mdCode makes s safe inside a `code span`: one line, no backquote.
func mdCode(s string) string {
	return strings.ReplaceAll(oneLine(junitText(s)), "`", "'")
}

// mdHTML escapes s for HTML text (the <summary> line).
func mdHTML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(oneLine(junitText(s)))
}

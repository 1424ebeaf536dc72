package report

import (
	"fmt"
	"io"
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
	if rowsLeft > 0 || detailsLeft > 0 || findingsLeft > 0 {
		var parts []string
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

// markdownVerdict is the migration's verdict word.
func markdownVerdict(r *Result, m *Migration) string {
	if r.MigrationFails(m) {
		return "**FAIL**"
	}
	return "PASS"
}

// markdownTitle names a migration: "orders (`GroupId`) → `Destination`".
func markdownTitle(m *Migration) string {
	if m.IsPlan() {
		return "terraform plan"
	}
	name := "`" + mdCode(m.GroupID) + "`"
	if m.GroupName != "" {
		name = mdText(m.GroupName) + " (" + name + ")"
	}
	return name + " → `" + mdCode(m.Destination) + "`"
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
	if m.IsPlan() {
		fmt.Fprintf(&b, "Plan `%s`.\n\n", mdCode(path))
	} else {
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
	if m.IsPlan() {
		return "terraform plan"
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

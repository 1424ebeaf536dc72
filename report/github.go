package report

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

func init() {
	register(Format{
		Name:        "github",
		Description: "GitHub Actions workflow commands (annotations), plus a job summary in $GITHUB_STEP_SUMMARY",
		Locates:     true,
		New:         func(o Options) Reporter { return githubReporter{opts: o} },
	})
}

// GitHub Actions output, for repositories without code scanning: every
// finding and rule error becomes a workflow command that the runner turns
// into an annotation on the file and line, and the markdown format's text
// becomes the job summary.
//
//   - One line per annotation: "::error file=F,line=N,title=T::MESSAGE"
//     (warning, or notice for notes). F is the snapshot's path relative to
//     Options.SourceRoot (the repository, as GitHub expects); an input
//     outside it or read from standard input has no file property. T is
//     "<ID> <name> (<migration>)"; MESSAGE the finding's message and,
//     after "Remediation: ", its remediation.
//   - Escaping follows the runner's rules: in the message "%", "\r" and "\n"
//     become %25, %0D and %0A; in property values ":" and "," also become
//     %3A and %2C. Control characters and ANSI escapes are removed first.
//   - GitHub shows at most 10 annotations of each level per step, so errors
//     come first, then warnings, then notices (each in report order); a
//     plain last line gives the totals.
//   - A rule that could not be evaluated is an ::error:: with title
//     "<ID> not evaluated (<migration>)".
//   - When Options.StepSummary is set, the markdown summary is written to
//     it; the command appends it to the file GITHUB_STEP_SUMMARY names.
type githubReporter struct{ opts Options }

type githubAnnotation struct {
	level   string // error, warning, notice
	file    string
	line    int
	title   string
	message string
}

func (g githubReporter) Report(w io.Writer, r *Result) error {
	bw := bufio.NewWriter(w)
	for _, a := range githubAnnotations(r, g.opts) {
		bw.WriteString(a.command())
		bw.WriteByte('\n')
	}
	bw.WriteString((&textReporter{}).summaryLine(r) + "\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write github annotations: %w", err)
	}
	if g.opts.StepSummary != nil {
		if _, err := io.WriteString(g.opts.StepSummary, markdownSummary(r, g.opts)); err != nil {
			return fmt.Errorf("write the github job summary: %w", err)
		}
	}
	return nil
}

func githubLevel(s Severity) string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return "notice"
}

// githubAnnotations lists the annotations of a result, errors first.
func githubAnnotations(r *Result, opts Options) []githubAnnotation {
	var out []githubAnnotation
	for i := range r.Migrations {
		m := &r.Migrations[i]
		file, inRoot := InputPath(r.WorkDir, opts.SourceRoot, m.Input)
		if !inRoot {
			file = ""
		}
		for _, e := range m.Errors {
			out = append(out, githubAnnotation{level: "error", file: file, line: 1,
				title: e.RuleID + " not evaluated (" + m.ID() + ")", message: "Rule " + e.RuleID + " could not be evaluated: " + e.Message})
		}
		findings := slices.Clone(m.Findings)
		SortFindings(findings)
		for _, f := range findings {
			msg := sarifSentence(f.Message)
			if f.Remediation != "" {
				msg += " Remediation: " + sarifSentence(f.Remediation)
			}
			level := githubLevel(f.Severity)
			if w := f.Waiver; w != nil {
				// Accepted: a notice, so the job log does not show it as
				// a failure.
				level, msg = "notice", "Waived ("+junitWaiverText(*w)+"): "+msg
			}
			out = append(out, githubAnnotation{level: level, file: file, line: max(f.Line, 1),
				title: strings.TrimSpace(f.RuleID+" "+f.RuleName) + " (" + m.ID() + ")", message: msg})
		}
	}
	rank := map[string]int{"error": 0, "warning": 1, "notice": 2}
	slices.SortStableFunc(out, func(a, b githubAnnotation) int { return cmp.Compare(rank[a.level], rank[b.level]) })
	return out
}

// command renders the workflow command.
func (a githubAnnotation) command() string {
	var props []string
	if a.file != "" {
		props = append(props, "file="+githubProperty(a.file), "line="+strconv.Itoa(a.line))
	}
	props = append(props, "title="+githubProperty(a.title))
	return "::" + a.level + " " + strings.Join(props, ",") + "::" + githubData(a.message)
}

// githubData escapes a workflow command's message.
func githubData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(junitText(s))
}

// githubProperty escapes a workflow command's property value.
func githubProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(junitText(s))
}

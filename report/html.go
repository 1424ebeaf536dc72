package report

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

func init() {
	register(Format{
		Name:        "html",
		Description: "one self-contained page for people: readiness counts, the placement matrix (sortable, filterable), every finding",
		New:         func(Options) Reporter { return htmlReporter{} },
	})
}

// HTML output: one file that opens from disk with no network and no other
// file (styles and the small script are inline), built with html/template
// so that text from findings is escaped:
//
//   - a header with the gate's verdict, the tool version, the evaluation
//     time and the readiness counts of the groups (each group counted by
//     its planned destination);
//   - the plan-wide findings (fleet, Terraform plans), when there are any,
//     open;
//   - the placement matrix: a row per group, a column per destination
//     (at most htmlMaxColumns; beyond that each row lists its destinations
//     in one column, so the size stays linear in the number of pairs); each
//     cell says its readiness in words and by colour, its blocking rules and
//     its headroom, and marks the planned and the recommended destination;
//   - every migration's findings with their remediations in a <details>
//     block the matrix cells link to.
//
// The script only enhances: it sorts the matrix by a clicked header,
// filters it by text and readiness, and opens the block a link points at.
// Without it everything is in the page. The bytes depend on the result only.
type htmlReporter struct{}

// htmlMaxColumns is the most destinations the matrix gives a column each.
const htmlMaxColumns = 8

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("html").Parse(htmlSource))

type htmlPage struct {
	Title       string
	Tool        Tool
	EvaluatedAt string
	Verdict     string
	Gate        string
	ExitCode    int
	Groups      int
	Counts      []htmlCount
	Line        string
	Plans       []htmlMigration
	Wide        bool
	Columns     []string
	Rows        []htmlRow
	Migrations  []htmlMigration
}

type htmlCount struct {
	Readiness Readiness
	Label     string
	N         int
}

type htmlRow struct {
	Order       int
	Num         int
	GroupID     string
	GroupName   string
	Search      string
	Readiness   Readiness
	Label       string
	Rank        int
	Planned     string
	Recommended string
	Cells       []htmlCell
}

type htmlCell struct {
	Present     bool
	Destination string
	Anchor      string
	Readiness   Readiness
	Label       string
	Rank        int
	Blockers    string
	Headroom    string
	Planned     bool
	Recommended bool
}

type htmlMigration struct {
	Anchor    string
	Title     string
	Kind      string
	Readiness Readiness
	Label     string
	Candidate bool
	Open      bool
	Input     string
	RegionID  string
	Source    string
	Capacity  string
	Counts    string
	Errors    []RuleError
	Findings  []htmlFinding
	Evaluated int
}

type htmlFinding struct {
	Severity  string
	RuleID    string
	RuleName  string
	Undecided bool
	// Gate is "fails the gate" for a finding that does, "would fail the
	// gate" on a candidate destination (which never fails it), or "".
	Gate        string
	Message     string
	Remediation string
	Where       string
	HelpURI     string
}

func (htmlReporter) Report(w io.Writer, r *Result) error {
	bw := bufio.NewWriter(w)
	if err := htmlTemplate.Execute(bw, newHTMLPage(r)); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}

// readinessRank orders readiness for sorting: best first.
func readinessRank(x Readiness) int {
	switch x {
	case ReadinessReady:
		return 0
	case ReadinessConditional:
		return 1
	case ReadinessUndecided:
		return 2
	case ReadinessBlocked:
		return 3
	}
	return 4
}

// groupReadiness is how a placement counts in the summary: by its planned
// destination, or, when every destination is a candidate, by its best.
func groupReadiness(p Placement) Readiness {
	best := Readiness("")
	for _, c := range p.Candidates {
		if c.Destination == p.Planned && p.Planned != "" {
			return c.Readiness
		}
		if best == "" || readinessRank(c.Readiness) < readinessRank(best) {
			best = c.Readiness
		}
	}
	return best
}

// readinessCounts counts placements by groupReadiness, in readinessOrder order.
func readinessCounts(ps []Placement) []htmlCount {
	out := make([]htmlCount, len(readinessOrder))
	for i, x := range readinessOrder {
		out[i] = htmlCount{Readiness: x, Label: x.Label()}
	}
	for _, p := range ps {
		i := slices.Index(readinessOrder, groupReadiness(p))
		if i >= 0 {
			out[i].N++
		}
	}
	return out
}

// placementColumns lists the destinations of ps in the order they first
// appear.
func placementColumns(ps []Placement) []string {
	var cols []string
	seen := map[string]bool{}
	for _, p := range ps {
		for _, c := range p.Candidates {
			if !seen[c.Destination] {
				seen[c.Destination] = true
				cols = append(cols, c.Destination)
			}
		}
	}
	return cols
}

func gateVerdict(r *Result) string {
	switch r.Verdict() {
	case VerdictFail:
		return "FAIL"
	case VerdictError:
		return "ERROR"
	}
	return "PASS"
}

func gateFlags(r *Result) string {
	gate := "--fail-on " + r.FailOn.String()
	if r.FailOnUndecided {
		gate += " --fail-on-undecided"
	}
	return gate
}

// resultLine counts the result: migrations, how many failed the gate, the
// findings by severity, undecided findings and rules not evaluated.
func resultLine(r *Result) string {
	s := r.Summary()
	var b strings.Builder
	fmt.Fprintf(&b, "%s evaluated, %d failed the gate: %s, %s, %s",
		plural(s.Migrations, "migration"), s.Failed, plural(s.Errors, "error"), plural(s.Warnings, "warning"), plural(s.Notes, "note"))
	if s.Undecided > 0 {
		fmt.Fprintf(&b, ", %s", plural(s.Undecided, "undecided finding"))
	}
	if s.RuleErrors > 0 {
		fmt.Fprintf(&b, ", %s could not be evaluated", plural(s.RuleErrors, "rule"))
	}
	return b.String() + "."
}

func newHTMLPage(r *Result) htmlPage {
	ps := r.Placements()
	page := htmlPage{
		Tool:     r.Tool,
		Verdict:  gateVerdict(r),
		Gate:     gateFlags(r),
		ExitCode: r.ExitCode,
		Groups:   len(ps),
		Counts:   readinessCounts(ps),
		Line:     resultLine(r),
	}
	if !r.EvaluatedAt.IsZero() {
		page.EvaluatedAt = r.EvaluatedAt.UTC().Format("2006-01-02 15:04:05Z")
	}
	page.Title = fmt.Sprintf("apigw-preflight: %s, %s", page.Verdict, plural(len(ps), "group"))
	cols := placementColumns(ps)
	page.Wide = len(cols) <= htmlMaxColumns
	if page.Wide {
		page.Columns = cols
	}
	for i, p := range ps {
		gr := groupReadiness(p)
		row := htmlRow{
			Order:       i,
			Num:         i + 1,
			GroupID:     p.GroupID,
			GroupName:   p.GroupName,
			Search:      strings.ToLower(p.GroupName + " " + p.GroupID),
			Readiness:   gr,
			Label:       gr.Label(),
			Rank:        readinessRank(gr),
			Planned:     p.Planned,
			Recommended: p.Recommended,
		}
		cells := make([]htmlCell, 0, len(p.Candidates))
		for _, c := range p.Candidates {
			cells = append(cells, htmlCellOf(p, c))
		}
		if page.Wide {
			row.Cells = make([]htmlCell, len(cols))
			for _, c := range cells {
				j := slices.Index(cols, c.Destination)
				if !row.Cells[j].Present {
					row.Cells[j] = c
				}
			}
		} else {
			row.Cells = cells
		}
		page.Rows = append(page.Rows, row)
	}
	for i := range r.Migrations {
		m := htmlMigrationOf(r, i)
		if r.Migrations[i].Kind != "" {
			page.Plans = append(page.Plans, m)
		} else {
			page.Migrations = append(page.Migrations, m)
		}
	}
	return page
}

func htmlCellOf(p Placement, c PlacementCell) htmlCell {
	cell := htmlCell{
		Present:     true,
		Destination: c.Destination,
		Anchor:      htmlAnchor(c.Migration),
		Readiness:   c.Readiness,
		Label:       c.Readiness.Label(),
		Rank:        readinessRank(c.Readiness),
		Blockers:    strings.Join(c.Blockers, ", "),
		Planned:     c.Destination == p.Planned,
		Recommended: c.Destination == p.Recommended,
	}
	if c.HeadroomRPS != nil {
		cell.Headroom = formatRPS(*c.HeadroomRPS) + " RPS left"
		if *c.HeadroomRPS < 0 {
			cell.Headroom = formatRPS(-*c.HeadroomRPS) + " RPS over"
		}
	}
	return cell
}

func htmlAnchor(i int) string { return "m" + strconv.Itoa(i+1) }

func htmlMigrationOf(r *Result, i int) htmlMigration {
	m := &r.Migrations[i]
	rd := r.Readiness(m)
	hm := htmlMigration{
		Anchor:    htmlAnchor(i),
		Kind:      m.Kind,
		Readiness: rd,
		Label:     rd.Label(),
		Candidate: m.Candidate,
		Input:     m.Input,
		RegionID:  m.RegionID,
		Source:    m.Source,
		Counts:    markdownCounts(m),
		Errors:    m.Errors,
		Evaluated: len(m.Evaluated),
	}
	switch m.Kind {
	case KindTerraformPlan:
		hm.Title = "Terraform plan " + m.Input
	case KindFleet:
		hm.Title = "Plan-wide rules over " + m.Input
	case KindWaivers:
		hm.Title = "Waivers in " + m.Input
	default:
		hm.Title = m.ID()
	}
	// Plan-wide findings are few and concern everything: shown open.
	hm.Open = m.Kind != "" && len(m.Findings)+len(m.Errors) > 0
	if c := m.Capacity; c != nil {
		spec := c.Spec
		if spec == "" {
			spec = "unknown specification"
		}
		hm.Capacity = fmt.Sprintf("peak %s RPS, %s with headroom; destination %s: %s of %s RPS in use, %s RPS left after the move",
			formatRPS(c.PeakRPS), formatRPS(c.NeededRPS), spec, formatRPS(c.ExistingRPS), formatRPS(c.LimitRPS),
			formatRPS(c.LimitRPS-c.ExistingRPS-c.NeededRPS))
	}
	findings := slices.Clone(m.Findings)
	SortFindings(findings)
	for _, f := range findings {
		hf := htmlFinding{
			Severity:    f.Severity.String(),
			RuleID:      f.RuleID,
			RuleName:    f.RuleName,
			Undecided:   f.Undecided,
			Message:     f.Message,
			Remediation: f.Remediation,
		}
		if r.FindingFails(f) {
			hf.Gate = "fails the gate"
			if m.Candidate {
				hf.Gate = "would fail the gate"
			}
		}
		if rule, ok := r.RuleByID(f.RuleID); ok && strings.HasPrefix(rule.HelpURI, "https://") {
			hf.HelpURI = rule.HelpURI
		}
		if f.Line > 0 {
			hf.Where = fmt.Sprintf("%s:%d", m.Input, f.Line)
		}
		if len(f.Path) > 0 {
			if hf.Where != "" {
				hf.Where += ", "
			}
			hf.Where += strings.Join(f.Path, ".")
		}
		hm.Findings = append(hm.Findings, hf)
	}
	return hm
}

// formatRPS writes a rate rounded to a whole number with thousands
// separators: 12,500.
func formatRPS(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	n := int64(math.Round(v))
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

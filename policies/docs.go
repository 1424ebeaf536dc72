package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// MarkdownTable renders rules as the Markdown table the README shows,
// straight from their METADATA.
func MarkdownTable(rules []report.Rule) string {
	var b strings.Builder
	b.WriteString("| ID | name | default | title |\n|---|---|---|---|\n")
	for _, r := range rules {
		title := strings.ReplaceAll(r.Title, "|", `\|`)
		if r.HelpURI != "" {
			title = fmt.Sprintf("[%s](%s)", title, r.HelpURI)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.ID, r.Name, r.Severity, title)
	}
	return b.String()
}

// AllRules lists every rule of e sorted by ID: the snapshot rules, the tool
// rules and the plan rules, as policies list and the README show them.
func AllRules(e *Engine) []report.Rule {
	rules := append(e.Rules(), e.PlanRules()...)
	slices.SortFunc(rules, func(a, b report.Rule) int { return strings.Compare(a.ID, b.ID) })
	return rules
}

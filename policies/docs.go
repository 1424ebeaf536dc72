package policies

import (
	"fmt"
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

package policies

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/waiver"
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
// rules, the plan rules and the fleet rules, as policies list and the
// documents show them.
func AllRules(e *Engine) []report.Rule {
	rules := append(append(e.Rules(), e.PlanRules()...), e.FleetRules()...)
	slices.SortFunc(rules, func(a, b report.Rule) int { return strings.Compare(a.ID, b.ID) })
	return rules
}

// Documented lists every rule a run can report, sorted by ID: AllRules
// and the waiver tool rules (AGP002, AGP003, AGP004, active when waivers
// are given), as policies list and the documents show them.
func Documented(e *Engine) []report.Rule {
	rules := append(AllRules(e), waiver.Rules()...)
	slices.SortFunc(rules, func(a, b report.Rule) int { return strings.Compare(a.ID, b.ID) })
	return rules
}

// RuleDir is the directory under rules/ that holds a built-in rule (a
// snapshot rule or a plan rule); for a rule that is not one (a tool rule)
// it is the package unchanged.
func RuleDir(r report.Rule) string {
	if d, ok := strings.CutPrefix(r.Package, PlanRulesPrefix); ok {
		return d
	}
	if d, ok := strings.CutPrefix(r.Package, FleetRulesPrefix); ok {
		return d
	}
	return strings.TrimPrefix(r.Package, RulesPrefix)
}

// Catalogue renders the rule catalogue (policies/rules/README.md): each
// rule's METADATA in full, with links to its directory and to its firing
// samples (samples maps a rule's directory to the sample file names in its
// testdata/). Links are relative to the rules/ directory.
func Catalogue(rules []report.Rule, samples map[string][]string) string {
	var b strings.Builder
	b.WriteString("# Rule catalogue\n\n")
	b.WriteString("Generated from the rules' METADATA by `make docs`; edit the rules, not this file.\n")
	b.WriteString("Each built-in rule is one directory here: the rule, its `_test.rego` and its\n")
	b.WriteString("firing samples in `testdata/`. [../README.md](../README.md) says how to write one.\n")
	for _, r := range rules {
		fmt.Fprintf(&b, "\n## %s %s\n\n", r.ID, r.Name)
		title := r.Title
		if r.HelpURI != "" {
			title = fmt.Sprintf("[%s](%s)", title, r.HelpURI)
		}
		fmt.Fprintf(&b, "%s. Default severity: %s.", title, r.Severity)
		if len(r.Tags) > 0 {
			fmt.Fprintf(&b, " Tags: %s.", strings.Join(r.Tags, ", "))
		}
		b.WriteString("\n\n")
		if r.Description != "" {
			b.WriteString(r.Description + "\n\n")
		}
		fmt.Fprintf(&b, "Remediation: %s\n\n", r.Remediation)
		dir := RuleDir(r)
		if r.Package == "" || dir == r.Package {
			b.WriteString("Computed by the engine (`policies/tool.go`), not by a Rego rule.\n")
			continue
		}
		fmt.Fprintf(&b, "Directory: [%s/](%s/).", dir, dir)
		if names := samples[dir]; len(names) > 0 {
			links := make([]string, len(names))
			for i, n := range names {
				links[i] = fmt.Sprintf("[%s](%s)", n, path.Join(dir, "testdata", n))
			}
			fmt.Fprintf(&b, " Firing samples: %s.", strings.Join(links, ", "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

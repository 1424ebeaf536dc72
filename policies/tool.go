package policies

import (
	"fmt"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// Tool findings are about the evaluation rather than the migration; their
// IDs use the prefix AGP. They are computed here, in Go, beside the rule
// pack, and appear in every report like a rule's findings.

// DefaultMaxAge is how old a snapshot may be before AGP001 warns.
const DefaultMaxAge = 7 * 24 * time.Hour

// SnapshotStale is AGP001: the snapshot is older than the maximum age.
var SnapshotStale = report.Rule{
	ID:    "AGP001",
	Name:  "snapshot-stale",
	Title: "Snapshot is recent enough to decide on",
	Description: "A snapshot is the cloud state when it was collected (collectedAt). Once it is older than the " +
		"maximum age (--max-age, default 7 days) the group, its backends, its traffic and the destination may " +
		"have changed, so the findings may no longer hold.",
	Severity: report.SeverityWarning,
	Remediation: "Collect the snapshot again (apigw-preflight collect, or apigw-preflight run, which collects " +
		"and checks in one step) and check the new one.",
	Tags: []string{"tool", "freshness"},
}

// toolRules are the tool rules an engine with these options evaluates.
func (o Options) toolRules() []report.Rule {
	if o.MaxAge > 0 {
		return []report.Rule{SnapshotStale}
	}
	return nil
}

// toolFindings evaluates the tool rules on one input.
func (e *Engine) toolFindings(input ast.Value) []report.Finding {
	if e.opts.MaxAge <= 0 {
		return nil
	}
	now := e.opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	f, ok := staleFinding(input, now, e.opts.MaxAge)
	if !ok {
		return nil
	}
	return []report.Finding{f}
}

// staleFinding is AGP001 when the input's collectedAt lies more than maxAge
// before now. A collectedAt that is missing or not RFC 3339 is left to the
// snapshot's validation (and to MIG011, which reasons with it).
func staleFinding(input ast.Value, now time.Time, maxAge time.Duration) (report.Finding, bool) {
	raw := stringAt(input, "collectedAt")
	at, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		return report.Finding{}, false
	}
	age := now.Sub(at)
	if age <= maxAge {
		return report.Finding{}, false
	}
	group, dest := stringAt(input, "group", "GroupId"), stringAt(input, "destination", "InstanceId")
	return report.Finding{
		RuleID:   SnapshotStale.ID,
		RuleName: SnapshotStale.Name,
		Severity: SnapshotStale.Severity,
		Message: fmt.Sprintf("The snapshot was collected at %s, %s before %s, which is more than the maximum age of %s, so the cloud state it shows may have changed.",
			at.UTC().Format(time.RFC3339), FormatAge(age), now.UTC().Format(time.RFC3339), FormatAge(maxAge)),
		Remediation: fmt.Sprintf("Collect the snapshot again (`apigw-preflight collect --group %s --to %s -o snapshot.json`, or `apigw-preflight run --group %s --to %s`, which collects and checks in one step) and check the new one; give --max-age a longer age only when the older state is known to still hold.",
			group, dest, group, dest),
		Resource: report.Resource{Kind: "group", ID: group, Name: stringAt(input, "group", "GroupName")},
		Path:     []string{"collectedAt"},
		Key:      "snapshot-age",
	}, true
}

// stringAt is the string at path in an input object, "" when absent or not
// a string.
func stringAt(v ast.Value, path ...string) string {
	for _, k := range path {
		obj, ok := v.(ast.Object)
		if !ok {
			return ""
		}
		t := obj.Get(ast.StringTerm(k))
		if t == nil {
			return ""
		}
		v = t.Value
	}
	s, ok := v.(ast.String)
	if !ok {
		return ""
	}
	return string(s)
}

// FormatAge writes a duration as people say an age: "11 days 2 hours",
// "36 minutes".
func FormatAge(d time.Duration) string {
	unit := func(n int64, word string) string {
		if n == 1 {
			return "1 " + word
		}
		return fmt.Sprintf("%d %ss", n, word)
	}
	switch {
	case d >= 24*time.Hour:
		days, hours := int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour)
		if hours == 0 {
			return unit(days, "day")
		}
		return unit(days, "day") + " " + unit(hours, "hour")
	case d >= time.Hour:
		hours, minutes := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
		if minutes == 0 {
			return unit(hours, "hour")
		}
		return unit(hours, "hour") + " " + unit(minutes, "minute")
	case d >= time.Minute:
		return unit(int64(d/time.Minute), "minute")
	}
	return unit(int64(d/time.Second), "second")
}

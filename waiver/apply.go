package waiver

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// The tool rules about waivers; like AGP001 they are about the evaluation,
// not the migration, and their findings point at the waiver's line.
var (
	// ExpiredRule is AGP002: a waiver whose expiry date has passed.
	ExpiredRule = report.Rule{
		ID:    "AGP002",
		Name:  "waiver-expired",
		Title: "Waivers are within their expiry date",
		Description: "A waiver applies up to and including its expires date (UTC), measured at the evaluation time " +
			"(--now, else the clock). Once that day has passed it no longer applies, so the findings it accepted " +
			"count for the gate again.",
		Severity:    report.SeverityWarning,
		Remediation: "Fix the cause the waiver accepted, or, when its owner confirms the risk is still accepted, renew it with a new expires date; delete it otherwise.",
		Tags:        []string{"tool", "waivers"},
	}
	// UnusedRule is AGP003: a waiver that matched no finding.
	UnusedRule = report.Rule{
		ID:    report.UnusedWaiverRule,
		Name:  "waiver-unused",
		Title: "Waivers match a finding",
		Description: "A waiver that matched no finding of the migrations checked in this run is a dead entry, or one " +
			"whose rule, group, destination or key is wrong, or one that names a finding that cannot be waived. " +
			"--fail-on-unused-waivers makes it fail the gate.",
		Severity:    report.SeverityNote,
		Remediation: "Delete the waiver if the risk it accepted is gone, or correct its rule, group, destination or key.",
		Tags:        []string{"tool", "waivers"},
	}
	// ExpiringRule is AGP004: a waiver that expires soon.
	ExpiringRule = report.Rule{
		ID:    "AGP004",
		Name:  "waiver-expiring",
		Title: "Waivers are not about to expire",
		Description: "A waiver whose expiry date lies within the warning window (--waiver-expiry-warning, default " +
			"14 days) of the evaluation time will soon stop applying, and the findings it accepts will then fail " +
			"the gate.",
		Severity:    report.SeverityNote,
		Remediation: "Fix the cause before the waiver expires, or have its owner renew it.",
		Tags:        []string{"tool", "waivers"},
	}
)

// Rules are the waiver tool rules, sorted by ID.
func Rules() []report.Rule { return []report.Rule{ExpiredRule, UnusedRule, ExpiringRule} }

// DefaultExpiryWarning is how soon before its expiry a waiver gives AGP004.
const DefaultExpiryWarning = 14 * 24 * time.Hour

// Set is the waivers of one run and how they are judged.
type Set struct {
	// Waivers are every file's entries, checked (Check), in file order.
	Waivers []Waiver
	// Files are the waiver files, in the order given; the configuration
	// file, when its waivers: list is inline, is one of them.
	Files []string
	// Now is the evaluation time; zero means the clock when Apply runs.
	Now time.Time
	// ExpiryWarning is the AGP004 window; zero turns AGP004 off.
	ExpiryWarning time.Duration
	// FailOnUnused makes AGP003 fail the gate.
	FailOnUnused bool
}

// Apply marks the findings of r that an active waiver matches, records
// every waiver's use in r.Waivers, and adds one migration per waiver file
// (kind waivers) with the AGP002, AGP003 and AGP004 findings, and those
// rules to r.Rules. A waiver matches a finding by rule, group (GroupId or
// GroupName, or a pattern over either), destination and key; the first
// active one in file order wins. A finding that cannot be waived (its rule,
// or the finding itself, says waivable: false) is never marked.
func (s *Set) Apply(r *report.Result) {
	now := s.Now
	if now.IsZero() {
		now = time.Now()
	}
	uses := make([]report.WaiverUse, len(s.Waivers))
	would := make([]int, len(s.Waivers))   // findings an expired waiver would accept
	blocked := make([]int, len(s.Waivers)) // unwaivable findings it matched
	for i := range s.Waivers {
		w := &s.Waivers[i]
		uses[i] = report.WaiverUse{WaiverRef: w.Ref(), Rule: w.Rule, Group: w.Group, Destination: w.Destination,
			Key: w.Key, File: w.File, Line: w.Line, Expired: w.Expired(now)}
	}
	for mi := range r.Migrations {
		m := &r.Migrations[mi]
		if m.IsPlan() || m.IsWaivers() {
			continue
		}
		for fi := range m.Findings {
			f := &m.Findings[fi]
			if f.Waived() {
				continue
			}
			canWaive := !f.Unwaivable
			if rule, ok := r.RuleByID(f.RuleID); ok && !rule.CanWaive() {
				canWaive = false
			}
			for wi := range s.Waivers {
				w := &s.Waivers[wi]
				if !w.Matches(m, f) {
					continue
				}
				switch {
				case !canWaive:
					blocked[wi]++
					continue
				case uses[wi].Expired:
					would[wi]++
					continue
				}
				ref := w.Ref()
				f.Waiver = &ref
				uses[wi].Used++
				break
			}
		}
	}
	r.Waivers = uses
	r.FailOnUnusedWaivers = s.FailOnUnused
	byFile := map[string][]report.Finding{}
	for i := range s.Waivers {
		w, u := &s.Waivers[i], uses[i]
		if f, ok := s.finding(w, u, now, would[i], blocked[i]); ok {
			byFile[w.File] = append(byFile[w.File], f)
		}
	}
	evaluated := []string{ExpiredRule.ID, UnusedRule.ID, ExpiringRule.ID}
	if s.ExpiryWarning <= 0 {
		evaluated = evaluated[:2]
	}
	for _, file := range s.Files {
		fs := byFile[file]
		if fs == nil {
			fs = []report.Finding{}
		}
		report.SortFindings(fs)
		r.Migrations = append(r.Migrations, report.Migration{
			Input:     file,
			Kind:      report.KindWaivers,
			Findings:  fs,
			Evaluated: slices.Clone(evaluated),
		})
	}
	for _, rule := range s.rules() {
		if _, ok := r.RuleByID(rule.ID); !ok {
			r.Rules = append(r.Rules, rule)
		}
	}
	slices.SortFunc(r.Rules, func(a, b report.Rule) int { return strings.Compare(a.ID, b.ID) })
}

// rules are the tool rules the set evaluates.
func (s *Set) rules() []report.Rule {
	if s.ExpiryWarning <= 0 {
		return []report.Rule{ExpiredRule, UnusedRule}
	}
	return Rules()
}

// Matches reports whether the waiver names the finding f of migration m
// (whatever its expiry).
func (w *Waiver) Matches(m *report.Migration, f *report.Finding) bool {
	if w.Rule != f.RuleID || (w.Destination != "" && w.Destination != m.Destination) || (w.Key != "" && w.Key != f.Key) {
		return false
	}
	if w.Pattern() {
		for _, g := range []string{m.GroupID, m.GroupName} {
			if ok, _ := path.Match(w.Group, g); ok && g != "" {
				return true
			}
		}
		return false
	}
	return w.Group == m.GroupID || (m.GroupName != "" && w.Group == m.GroupName)
}

// Ref is the waiver as a finding shows it.
func (w *Waiver) Ref() report.WaiverRef {
	return report.WaiverRef{ID: w.ID, Reason: w.Reason, Owner: w.Owner, Ticket: w.Ticket, Expires: w.Expires}
}

// label names what a waiver accepts: "MIG002 on group payments to I, key K".
func (w *Waiver) label() string {
	s := w.Rule + " on group " + w.Group
	if w.Destination != "" {
		s += " to " + w.Destination
	}
	if w.Key != "" {
		s += ", key " + w.Key
	}
	return s
}

// finding is the tool finding about one waiver, if any: AGP002 when it has
// expired, AGP003 when it accepted nothing, AGP004 when it expires within
// the window.
func (s *Set) finding(w *Waiver, u report.WaiverUse, now time.Time, would, blocked int) (report.Finding, bool) {
	f := report.Finding{
		Resource: report.Resource{Kind: "waiver", ID: w.ID},
		Line:     w.Line,
		Key:      w.ID,
	}
	at := now.UTC().Format(time.RFC3339)
	switch {
	case u.Expired:
		f.RuleID, f.RuleName, f.Severity, f.Remediation = ExpiredRule.ID, ExpiredRule.Name, ExpiredRule.Severity, ExpiredRule.Remediation
		covers := "it matches no finding in this run"
		if would > 0 {
			covers = fmt.Sprintf("the %s it would accept count for the gate again", plural(would, "finding"))
		}
		f.Message = fmt.Sprintf("Waiver %s (%s, owner %s) expired at the end of %s, %s before %s: it no longer applies, and %s.",
			w.ID, w.label(), w.Owner, w.Expires, formatAge(now.Sub(w.until)), at, covers)
	case u.Used == 0:
		f.RuleID, f.RuleName, f.Severity, f.Remediation = UnusedRule.ID, UnusedRule.Name, UnusedRule.Severity, UnusedRule.Remediation
		f.Message = fmt.Sprintf("Waiver %s (%s, owner %s) matched no finding of the migrations checked in this run.", w.ID, w.label(), w.Owner)
		if blocked > 0 {
			f.Message = fmt.Sprintf("Waiver %s (%s, owner %s) matched only %s that cannot be waived (the rule marks them waivable: false), so it accepted nothing.",
				w.ID, w.label(), w.Owner, plural(blocked, "finding"))
		}
	case s.ExpiryWarning > 0 && w.until.Sub(now) <= s.ExpiryWarning:
		f.RuleID, f.RuleName, f.Severity, f.Remediation = ExpiringRule.ID, ExpiringRule.Name, ExpiringRule.Severity, ExpiringRule.Remediation
		f.Message = fmt.Sprintf("Waiver %s (%s, owner %s) expires at the end of %s, %s after %s; then the %s it accepts will count for the gate again.",
			w.ID, w.label(), w.Owner, w.Expires, formatAge(w.until.Sub(now)), at, plural(u.Used, "finding"))
	default:
		return f, false
	}
	f.Fingerprint = report.Fingerprint("", "", f)
	return f, true
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// formatAge writes a duration in whole days, or hours under a day.
func formatAge(d time.Duration) string {
	if d >= 24*time.Hour {
		return plural(int(d/(24*time.Hour)), "day")
	}
	if d >= time.Hour {
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(d/time.Minute), "minute")
}

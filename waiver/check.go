package waiver

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// DefaultMaxDays is how far ahead of the evaluation time a waiver may
// expire unless the policy data says otherwise.
const DefaultMaxDays = 90

// PolicyKey is the key, in the organisation's policy data, of the waiver
// governance document.
const PolicyKey = "waivers"

// Policy is what the organisation's policy data (shipped in its bundle,
// not the repository under review) allows, under the key waivers:
//
//	{"forbid": ["MIG001"], "maxDays": 30, "requireTicket": true, "allowGroupPatterns": false}
type Policy struct {
	// Forbid are rule IDs no waiver may name.
	Forbid []string
	// MaxDays is how far ahead a waiver may expire; 0 means
	// DefaultMaxDays.
	MaxDays int
	// RequireTicket makes ticket required on every waiver.
	RequireTicket bool
	// AllowGroupPatterns lets group be a pattern (*, ?, [...]).
	AllowGroupPatterns bool
}

// PolicyFrom reads the governance document from the policy data (nil or
// without the key: the defaults). A malformed document is an error naming
// the setting.
func PolicyFrom(data map[string]any) (Policy, error) {
	var p Policy
	raw, ok := data[PolicyKey]
	if !ok || raw == nil {
		return p, nil
	}
	doc, ok := raw.(map[string]any)
	if !ok {
		return p, fmt.Errorf("policy data %s: want an object with forbid, maxDays, requireTicket, allowGroupPatterns", PolicyKey)
	}
	for k, v := range doc {
		at := "policy data " + PolicyKey + "." + k
		switch k {
		case "forbid":
			list, ok := v.([]any)
			if !ok {
				return p, fmt.Errorf("%s: want a list of rule IDs", at)
			}
			for _, item := range list {
				s, ok := item.(string)
				if !ok || strings.TrimSpace(s) == "" {
					return p, fmt.Errorf("%s: want a list of rule IDs, not %v", at, item)
				}
				p.Forbid = append(p.Forbid, strings.ToUpper(strings.TrimSpace(s)))
			}
		case "maxDays":
			n, ok := number(v)
			if !ok || n < 1 || n != math.Trunc(n) || n > 3650 {
				return p, fmt.Errorf("%s: want a whole number of days from 1 to 3650, not %v", at, v)
			}
			p.MaxDays = int(n)
		case "requireTicket", "allowGroupPatterns":
			b, ok := v.(bool)
			if !ok {
				return p, fmt.Errorf("%s: want true or false, not %v", at, v)
			}
			if k == "requireTicket" {
				p.RequireTicket = b
			} else {
				p.AllowGroupPatterns = b
			}
		default:
			return p, fmt.Errorf("%s: unknown setting (known: forbid, maxDays, requireTicket, allowGroupPatterns)", at)
		}
	}
	return p, nil
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case interface{ Float64() (float64, error) }: // json.Number
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func (p Policy) maxDays() int {
	if p.MaxDays > 0 {
		return p.MaxDays
	}
	return DefaultMaxDays
}

// Check validates waivers against the rules this run evaluates and the
// policy, at the evaluation time now: the rule must be known and
// waivable, neither METADATA nor policy may forbid it, a ticket must be
// given where the rule or the policy requires one, a group pattern needs
// the policy's consent, the expiry may lie at most the maximum number of
// days ahead (an expiry already past is not an error: the waiver has
// expired), and IDs must be unique. The first problem comes back as an
// *Error naming the file, line and field.
func Check(ws []Waiver, rules []report.Rule, pol Policy, now time.Time) error {
	byID := make(map[string]report.Rule, len(rules))
	for _, r := range rules {
		byID[r.ID] = r
	}
	seen := map[string]*Waiver{}
	today := time.Date(now.UTC().Year(), now.UTC().Month(), now.UTC().Day(), 0, 0, 0, 0, time.UTC)
	for i := range ws {
		w := &ws[i]
		bad := func(field, format string, a ...any) error {
			return &Error{File: w.File, Line: w.lineOf(field), Field: w.Field + "." + field, Msg: fmt.Sprintf(format, a...)}
		}
		rule, ok := byID[w.Rule]
		switch {
		case !ok:
			return bad("rule", "unknown rule %s: no rule of that ID is evaluated in this run ('apigw-preflight policies list' lists them; a disabled rule cannot be waived)", w.Rule)
		case !rule.CanWaive():
			return bad("rule", "rule %s cannot be waived: its METADATA says waivable: false (its findings make the migration impossible or destructive); fix the cause instead", w.Rule)
		case slices.Contains(pol.Forbid, w.Rule):
			return bad("rule", "waivers for %s are forbidden by the policy data (%s.forbid lists it); fix the cause instead", w.Rule, PolicyKey)
		}
		if w.Ticket == "" {
			switch {
			case rule.TicketRequired:
				return bad("ticket", "missing; rule %s requires a ticket (its METADATA says ticket_required: true): record the support ticket number", w.Rule)
			case pol.RequireTicket:
				return bad("ticket", "missing; the policy data (%s.requireTicket) requires a ticket on every waiver", PolicyKey)
			}
		}
		if w.Pattern() && !pol.AllowGroupPatterns {
			return bad("group", "%q is a pattern, and the policy data does not allow group patterns (%s.allowGroupPatterns is not true): name one group by GroupId or GroupName", w.Group, PolicyKey)
		}
		limit := today.AddDate(0, 0, pol.maxDays())
		if w.until.AddDate(0, 0, -1).After(limit) {
			src := fmt.Sprintf("the default maximum of %d days", DefaultMaxDays)
			if pol.MaxDays > 0 {
				src = fmt.Sprintf("the policy data's %s.maxDays of %d", PolicyKey, pol.MaxDays)
			}
			return bad("expires", "%s is more than %d days after %s (%s); give a date on or before %s and renew the waiver when it ends",
				w.Expires, pol.maxDays(), today.Format(dateLayout), src, limit.Format(dateLayout))
		}
		if prev, dup := seen[w.ID]; dup {
			field := "id"
			if w.Derived {
				field = "rule"
			}
			return bad(field, "waiver ID %q is also used at %s:%d; give each waiver its own id", w.ID, prev.File, prev.Line)
		}
		seen[w.ID] = w
	}
	return nil
}

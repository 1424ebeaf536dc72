package policies

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// applyOnlySkip turns rules off by opts.Only (every rule not named) and
// opts.Skip (every rule named). Names are rule IDs (any case) or names,
// the tool rule AGP001 included; an unknown one is a *SettingError. The
// tool rule is turned off by setting opts.MaxAge to zero.
func applyOnlySkip(rules []report.Rule, settings map[string]*ruleSettings, opts *Options) error {
	if len(opts.Only) == 0 && len(opts.Skip) == 0 {
		return nil
	}
	known := slices.Clone(rules)
	known = append(known, SnapshotStale)
	resolve := func(flag string, names []string) (map[string]bool, error) {
		ids := map[string]bool{}
		for _, n := range names {
			n = strings.TrimSpace(n)
			i := slices.IndexFunc(known, func(r report.Rule) bool { return strings.EqualFold(r.ID, n) || r.Name == n })
			if i < 0 {
				return nil, &SettingError{Where: flag + " " + n, Msg: fmt.Sprintf("unknown rule %q; the rules are %s (apigw-preflight policies list)", n, ruleList(known))}
			}
			ids[known[i].ID] = true
		}
		return ids, nil
	}
	only, err := resolve("--only", opts.Only)
	if err != nil {
		return err
	}
	skip, err := resolve("--skip", opts.Skip)
	if err != nil {
		return err
	}
	off := func(id string) bool { return skip[id] || (len(only) > 0 && !only[id]) }
	for _, r := range rules {
		if off(r.ID) {
			settings[r.ID].disabled = true
		}
	}
	if off(SnapshotStale.ID) && opts.MaxAge > 0 {
		opts.MaxAge = 0
		opts.toolOff = true
	}
	return nil
}

// record is the settings record of rule r: whether it runs, its severity
// when set, and the parameters whose value is not the default. ok is false
// when every setting is the default.
func (rs *ruleSettings) record(r report.Rule) (report.RuleSettingRecord, bool) {
	rec := report.RuleSettingRecord{RuleID: r.ID, Enabled: !rs.disabled, Severity: rs.severity}
	for _, p := range r.Params {
		def, err := paramValue(p, p.Default, false)
		v := rs.params[p.Name]
		if err == nil && v == def {
			continue
		}
		if rec.Params == nil {
			rec.Params = map[string]any{}
		}
		if p.Type == TypeDuration {
			if ns, ok := v.(int64); ok {
				v = time.Duration(ns).String()
			}
		}
		rec.Params[p.Name] = v
	}
	changed := rs.disabled || rs.severity != report.SeverityNone || len(rec.Params) > 0
	return rec, changed
}

// toolSettingRecord records the tool rule AGP001 turned off by --only or
// --skip.
func toolSettingRecord(opts Options) (report.RuleSettingRecord, bool) {
	if !opts.toolOff {
		return report.RuleSettingRecord{}, false
	}
	return report.RuleSettingRecord{RuleID: SnapshotStale.ID, Enabled: false}, true
}

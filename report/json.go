package report

import (
	"encoding/json"
	"io"
	"slices"
)

// JSONReportVersion names the shape of the json format; it changes only when
// the shape does.
const JSONReportVersion = "apigw-preflight.report/v1"

func init() {
	register(Format{
		Name:        "json",
		Description: "for programs: every migration, finding and rule as one JSON document",
		New:         func(Options) Reporter { return jsonReporter{} },
	})
}

type jsonReporter struct{}

type jsonMigration struct {
	*Migration
	Passed bool `json:"passed"`
}

type jsonReport struct {
	ReportVersion string `json:"reportVersion"`
	Tool          Tool   `json:"tool"`
	FailOn        string `json:"failOn"`
	// FailOnUndecided: an undecided finding of a rule whose default
	// severity is error fails the gate.
	FailOnUndecided bool            `json:"failOnUndecided"`
	Passed          bool            `json:"passed"`
	ExitCode        int             `json:"exitCode"`
	Summary         Summary         `json:"summary"`
	Migrations      []jsonMigration `json:"migrations"`
	Placements      []Placement     `json:"placements,omitempty"`
	Rules           []Rule          `json:"rules"`
	// Waivers are the run's waivers with their use; absent without any.
	Waivers []WaiverUse `json:"waivers,omitempty"`
	// Packs are the organisation packs; RuleSettings the rules run with
	// non-default settings or turned off (both left out when empty).
	Packs        []Pack              `json:"packs,omitempty"`
	RuleSettings []RuleSettingRecord `json:"ruleSettings,omitempty"`
}

func (jsonReporter) Report(w io.Writer, r *Result) error {
	out := jsonReport{
		ReportVersion:   JSONReportVersion,
		Tool:            r.Tool,
		FailOn:          r.FailOn.String(),
		FailOnUndecided: r.FailOnUndecided,
		ExitCode:        r.ExitCode,
		Summary:         r.Summary(),
		Rules:           withoutParams(r.Rules),
		Migrations:      make([]jsonMigration, len(r.Migrations)),
		Waivers:         r.Waivers,
		Packs:           r.Packs,
		RuleSettings:    r.Settings,
	}
	out.Passed = r.Verdict() == VerdictPass
	out.Placements = jsonPlacements(r)
	for i := range r.Migrations {
		m := &r.Migrations[i]
		out.Migrations[i] = jsonMigration{Migration: m, Passed: !r.MigrationFails(m)}
	}
	if out.Rules == nil {
		out.Rules = []Rule{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// withoutParams copies rules without their parameters: a report keeps the
// rule descriptors it has always had, and `policies list -o json` is where
// the parameters are listed.
func withoutParams(rules []Rule) []Rule {
	if rules == nil {
		return nil
	}
	out := make([]Rule, len(rules))
	for i, r := range rules {
		r.Params = nil
		out[i] = r
	}
	return out
}

// jsonPlacements is the placement matrix of an audit (a result with a
// fleet record), built once by Result.Placements; nil for other results.
func jsonPlacements(r *Result) []Placement {
	if !slices.ContainsFunc(r.Migrations, func(m Migration) bool { return m.IsFleet() }) {
		return nil
	}
	return r.Placements()
}

package report

import (
	"bytes"
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
	return encodeStreaming(w, jsonDocument(r), r)
}

// jsonDocument is the json report of r without its migrations, which
// jsonMigrationOf gives one at a time.
func jsonDocument(r *Result) jsonReport {
	out := jsonReport{
		ReportVersion:   JSONReportVersion,
		Tool:            r.Tool,
		FailOn:          r.FailOn.String(),
		FailOnUndecided: r.FailOnUndecided,
		ExitCode:        r.ExitCode,
		Summary:         r.Summary(),
		Rules:           withoutParams(r.Rules),
		Waivers:         r.Waivers,
		Packs:           r.Packs,
		RuleSettings:    r.Settings,
	}
	out.Passed = r.Verdict() == VerdictPass
	out.Placements = jsonPlacements(r)
	if out.Rules == nil {
		out.Rules = []Rule{}
	}
	return out
}

// jsonMigrationOf is migration m of r as the json report holds it.
func jsonMigrationOf(r *Result, m *Migration) jsonMigration {
	return jsonMigration{Migration: m, Passed: !r.MigrationFails(m)}
}

// encodeStreaming writes out (whose Migrations are left empty) with r's
// migrations in it, one at a time, so the document is never held whole in
// memory however many migrations there are. The bytes are those of
// encoding the whole document with two-space indentation: the document is
// encoded with an empty migrations array, which is cut open at its one
// top-level "migrations" key (indentation tells the top level apart; a
// newline inside a JSON string is always escaped) and each migration
// encoded in its place at the depth it would have had.
func encodeStreaming(w io.Writer, out jsonReport, r *Result) error {
	var head bytes.Buffer
	enc := json.NewEncoder(&head)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	out.Migrations = []jsonMigration{}
	if err := enc.Encode(out); err != nil {
		return err
	}
	doc := head.Bytes()
	const key = "\n  \"migrations\": []"
	cut := bytes.Index(doc, []byte(key))
	if cut < 0 || len(r.Migrations) == 0 {
		_, err := w.Write(doc)
		return err
	}
	cut += len(key) - 1 // just before the array's "]"
	if _, err := w.Write(doc[:cut]); err != nil {
		return err
	}
	var item bytes.Buffer
	ienc := json.NewEncoder(&item)
	ienc.SetIndent("    ", "  ")
	ienc.SetEscapeHTML(false)
	for i := range r.Migrations {
		item.Reset()
		if i > 0 {
			item.WriteByte(',')
		}
		item.WriteString("\n    ")
		if err := ienc.Encode(jsonMigrationOf(r, &r.Migrations[i])); err != nil {
			return err
		}
		item.Truncate(item.Len() - 1) // the encoder's newline
		if _, err := w.Write(item.Bytes()); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(w, "\n  "); err != nil {
		return err
	}
	_, err := w.Write(doc[cut:])
	return err
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

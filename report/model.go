// Package report holds the findings model shared by every output format and
// the reporters that print it. The model is plain data: reporters read it and
// never change it, so one evaluation can be written in several formats.
package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Severity is one of the SARIF levels. The zero value is "none" and is never
// attached to a finding.
type Severity int

const (
	SeverityNone Severity = iota
	SeverityNote
	SeverityWarning
	SeverityError
)

var severityNames = map[Severity]string{
	SeverityNone:    "none",
	SeverityNote:    "note",
	SeverityWarning: "warning",
	SeverityError:   "error",
}

// String returns the SARIF level name: "error", "warning", "note" or "none".
func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// MarshalText makes severities appear as their names in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText accepts the names String returns.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity reads "error", "warning" or "note" (any case).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return SeverityError, nil
	case "warning":
		return SeverityWarning, nil
	case "note":
		return SeverityNote, nil
	}
	return SeverityNone, fmt.Errorf("unknown severity %q (want error, warning or note)", s)
}

// Threshold is the gate: findings at or above it fail the run. ThresholdNever
// lets every run pass.
type Threshold struct{ min Severity }

// ThresholdNever is the gate that never fails on findings.
var ThresholdNever = Threshold{}

// ThresholdNames lists the values --fail-on accepts, strictest last.
var ThresholdNames = []string{"error", "warning", "note", "never"}

// ParseThreshold reads a --fail-on value.
func ParseThreshold(s string) (Threshold, error) {
	if strings.EqualFold(strings.TrimSpace(s), "never") {
		return ThresholdNever, nil
	}
	sev, err := ParseSeverity(s)
	if err != nil {
		return Threshold{}, fmt.Errorf("unknown --fail-on value %q (want one of %s)", s, strings.Join(ThresholdNames, ", "))
	}
	return Threshold{min: sev}, nil
}

// Fails reports whether a finding of severity s fails the gate.
func (t Threshold) Fails(s Severity) bool { return t.min != SeverityNone && s >= t.min }

// String returns the --fail-on spelling of the threshold.
func (t Threshold) String() string {
	if t.min == SeverityNone {
		return "never"
	}
	return t.min.String()
}

// Rule describes one policy, read from its METADATA annotation.
type Rule struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Title            string   `json:"title"`
	Description      string   `json:"description"`
	Severity         Severity `json:"severity"`
	Remediation      string   `json:"remediation"`
	HelpURI          string   `json:"helpUri,omitempty"`
	Tags             []string `json:"tags,omitempty"`
	SecuritySeverity string   `json:"securitySeverity,omitempty"`
	// Precision is how often the rule's findings are right: very-high,
	// high, medium or low (SARIF properties.precision); empty means high.
	Precision string `json:"precision,omitempty"`
	// Package is the Rego package path that holds the rule, e.g.
	// "data.apigw.rules.rps_capacity".
	Package string `json:"package"`
	// Params are the rule's tunables, as its METADATA declares them
	// (custom.params), in declaration order.
	Params []Param `json:"params,omitempty"`
	// Waivable is false when the rule's METADATA says waivable: false (a
	// finding that makes the migration impossible or destructive); nil
	// means waivable. A finding can also say waivable: false on its own.
	Waivable *bool `json:"waivable,omitempty"`
	// TicketRequired: a waiver of this rule must name a ticket (METADATA
	// custom.ticket_required).
	TicketRequired bool `json:"ticketRequired,omitempty"`
	// Source is the policy file an organisation rule comes from, as the
	// user gave its path ("" for the built-in rules).
	Source string `json:"source,omitempty"`
	// Pack is the organisation pack the rule belongs to ("" for the
	// built-in pack): a bundle's manifest name, else the --policy path's
	// base name.
	Pack string `json:"pack,omitempty"`
}

// Pack is an organisation's policy pack, one per --policy path: its name,
// its version (a bundle's manifest revision, "" otherwise) and the IDs of
// its rules that ran, sorted. SARIF shows each as a tool extension.
type Pack struct {
	Name    string   `json:"name"`
	Version string   `json:"version,omitempty"`
	Rules   []string `json:"rules"`
}

// RuleSettingRecord is one rule that ran with settings other than its
// METADATA defaults, or did not run because a setting turned it off
// (enabled: false, --only, --skip).
type RuleSettingRecord struct {
	RuleID  string `json:"ruleId"`
	Enabled bool   `json:"enabled"`
	// Severity is the default severity the settings give the rule's
	// findings; SeverityNone when they leave the METADATA default.
	Severity Severity `json:"severity,omitempty"`
	// Params are the parameters set to a value other than their default,
	// as the rule reads them (a duration as Go writes it, e.g. "36h0m0s").
	Params map[string]any `json:"params,omitempty"`
}

// CanWaive reports whether the rule's findings may be waived at all.
func (r Rule) CanWaive() bool { return r.Waivable == nil || *r.Waivable }

// Param is one tunable of a rule: its name, type, default and what it
// does. Rules read the effective value through the lib helper param.
type Param struct {
	Name string `json:"name"`
	// Type is number, integer, string, boolean or duration.
	Type string `json:"type"`
	// Default is the value the rule uses unless a setting changes it: a
	// float64 or int64 for number and integer, a bool, or a string (a
	// duration as written, e.g. "36h" or "7d").
	Default     any    `json:"default"`
	Description string `json:"description"`
	// Min and Max bound a number or integer, inclusive; nil when unbounded.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
}

// Resource names the cloud object a finding is about.
type Resource struct {
	Kind string `json:"kind"` // group, instance, backend, securityGroup, snapshot
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Finding is one problem a rule found in one snapshot.
type Finding struct {
	RuleID      string   `json:"ruleId"`
	RuleName    string   `json:"ruleName"`
	Severity    Severity `json:"severity"`
	Message     string   `json:"message"`
	Remediation string   `json:"remediation"`
	Resource    Resource `json:"resource"`
	// Path is the JSON path, in the snapshot, of the field that triggered the
	// finding (e.g. ["destination", "InstanceRpsLimit"]). Empty when no field
	// applies.
	Path []string `json:"path,omitempty"`
	// Line is the 1-based line of Path in the input file; 0 when unknown.
	Line int `json:"line,omitempty"`
	// Key tells apart several findings of one rule on one migration (a backend
	// host, a security group ID). It feeds the fingerprint.
	Key string `json:"key,omitempty"`
	// Fingerprint is stable across runs for the same problem on the same group
	// and destination, wherever the input file lives.
	Fingerprint string `json:"fingerprint"`
	// Undecided marks a "could not check" finding: the rule could not decide
	// because the data it needs is missing or unusable. An undecided rule is
	// never a pass; the write side refuses while an error rule is undecided.
	Undecided bool `json:"undecided,omitempty"`
	// Unwaivable marks a finding its rule says cannot be waived (the rule
	// set waivable: false on it), although other findings of the rule can
	// be: a migration in flight (MIG012), a stopped destination (MIG011).
	Unwaivable bool `json:"unwaivable,omitempty"`
	// Waiver is the waiver that accepted this finding: it is still
	// reported, but no longer counts for the gate.
	Waiver *WaiverRef `json:"waiver,omitempty"`
}

// Waived reports whether a waiver accepted the finding.
func (f Finding) Waived() bool { return f.Waiver != nil }

// WaiverRef is the waiver that accepted a finding, as reports show it.
type WaiverRef struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
	Owner  string `json:"owner"`
	Ticket string `json:"ticket,omitempty"`
	// Expires is the last day (UTC) the waiver applies, YYYY-MM-DD.
	Expires string `json:"expires"`
}

// WaiverUse is one waiver of the run's waiver files and what it did.
type WaiverUse struct {
	WaiverRef
	Rule        string `json:"rule"`
	Group       string `json:"group"`
	Destination string `json:"destination,omitempty"`
	Key         string `json:"key,omitempty"`
	// File and Line are where the waiver is written.
	File string `json:"file"`
	Line int    `json:"line"`
	// Used counts the findings the waiver accepted in this run.
	Used int `json:"used"`
	// Expired: the waiver's expiry date has passed at the evaluation time,
	// so it accepted nothing.
	Expired bool `json:"expired,omitempty"`
}

// KindWaivers marks the Migration that holds the findings about one waiver
// file (AGP002, AGP003, AGP004): Input is the file, each finding's Line the
// waiver's line in it.
const KindWaivers = "waivers"

// RuleError is a rule that could not be evaluated on a snapshot. It is a tool
// error, never a pass.
type RuleError struct {
	RuleID  string `json:"ruleId"`
	Message string `json:"message"`
}

// KindTerraformPlan marks a Migration evaluated from a Terraform plan
// (terraform show -json) rather than from a snapshot.
const KindTerraformPlan = "terraform-plan"

// KindFleet marks the Migration that holds the plan-wide findings of an
// audit (rules that see every migration of the plan at once); its Input is
// the plan file, or "audit".
const KindFleet = "fleet"

// Capacity is the traffic arithmetic of one migration, in requests per
// second: the group's peak, what it needs with headroom, the destination's
// existing load and limit, and the destination's specification.
type Capacity struct {
	PeakRPS     float64 `json:"peakRps"`
	NeededRPS   float64 `json:"neededRps"`
	ExistingRPS float64 `json:"existingRps"`
	LimitRPS    float64 `json:"limitRps"`
	Spec        string  `json:"spec"`
}

// Migration is the outcome of evaluating one snapshot: one API group and the
// move from its current instance to a destination. A Terraform plan is
// evaluated into a Migration of Kind KindTerraformPlan, without group or
// instances: its findings name the plan's resources.
type Migration struct {
	// Input is the path the snapshot was read from as the user gave it ("-"
	// for standard input).
	Input string `json:"input"`
	// Kind is "" for a snapshot, KindTerraformPlan for a Terraform plan,
	// KindFleet for an audit's plan-wide findings.
	Kind string `json:"kind,omitempty"`
	// Candidate marks an alternative destination an audit evaluated, not
	// the planned one: it never fails the gate.
	Candidate   bool      `json:"candidate,omitempty"`
	GroupID     string    `json:"groupId"`
	GroupName   string    `json:"groupName"`
	RegionID    string    `json:"regionId"`
	Source      string    `json:"sourceInstanceId"`
	Destination string    `json:"destinationInstanceId"`
	CollectedAt time.Time `json:"collectedAt"`
	Findings    []Finding `json:"findings"`
	// Evaluated lists the IDs of the rules run on this snapshot, sorted.
	Evaluated []string    `json:"rulesEvaluated"`
	Errors    []RuleError `json:"errors,omitempty"`
	// Capacity is the traffic arithmetic when it is known.
	Capacity *Capacity `json:"capacity,omitempty"`
	// Elapsed is how long the evaluation took (JUnit time); it is left out
	// of the json format, whose bytes depend on the findings only.
	Elapsed time.Duration `json:"-"`
}

// IsPlan reports whether the migration was evaluated from a Terraform plan.
func (m *Migration) IsPlan() bool { return m.Kind == KindTerraformPlan }

// IsWaivers reports whether the migration holds a waiver file's findings.
func (m *Migration) IsWaivers() bool { return m.Kind == KindWaivers }

// IsFleet reports whether the migration holds an audit's plan-wide findings.
func (m *Migration) IsFleet() bool { return m.Kind == KindFleet }

// ID names the migration for people and CI systems: "group -> destination",
// or "terraform plan" for a plan.
func (m *Migration) ID() string {
	if m.IsPlan() {
		return "terraform plan"
	}
	if m.IsWaivers() {
		return "waivers " + m.Input
	}
	if m.Kind == KindFleet {
		return "plan-wide rules"
	}
	g := m.GroupName
	if g == "" {
		g = m.GroupID
	}
	return g + " -> " + m.Destination
}

// FindingsFor returns the findings of one rule, in report order.
func (m *Migration) FindingsFor(ruleID string) []Finding {
	var out []Finding
	for _, f := range m.Findings {
		if f.RuleID == ruleID {
			out = append(out, f)
		}
	}
	return out
}

// UndecidedRules returns, sorted and once each, the IDs of the rules with an
// undecided finding on this migration whose default severity (from rules) is
// at least min. Rules missing from rules count as errors: unknown is never
// safe.
func (m *Migration) UndecidedRules(rules []Rule, min Severity) []string {
	sev := make(map[string]Severity, len(rules))
	for _, r := range rules {
		sev[r.ID] = r.Severity
	}
	var out []string
	for _, f := range m.Findings {
		if !f.Undecided {
			continue
		}
		s, ok := sev[f.RuleID]
		if !ok {
			s = SeverityError
		}
		if s >= min && !slices.Contains(out, f.RuleID) {
			out = append(out, f.RuleID)
		}
	}
	slices.Sort(out)
	return out
}

// ErrorFor returns the evaluation error of one rule, if any.
func (m *Migration) ErrorFor(ruleID string) (RuleError, bool) {
	for _, e := range m.Errors {
		if e.RuleID == ruleID {
			return e, true
		}
	}
	return RuleError{}, false
}

// Tool identifies the program that produced a result.
type Tool struct {
	Name           string `json:"name"`
	Version        string `json:"version"`
	InformationURI string `json:"informationUri"`
}

// Result is everything one invocation evaluated, ready for any reporter.
type Result struct {
	Tool  Tool   `json:"tool"`
	Rules []Rule `json:"rules"`
	// Packs are the organisation packs the rules came from (none for the
	// built-in pack alone); Settings the rules run with non-default
	// settings or turned off, sorted by rule ID.
	Packs    []Pack              `json:"packs,omitempty"`
	Settings []RuleSettingRecord `json:"ruleSettings,omitempty"`
	FailOn   Threshold           `json:"-"`
	// FailOnUndecided makes an undecided finding of a rule whose default
	// severity is error fail the gate, whatever its own severity
	// (--fail-on-undecided).
	FailOnUndecided bool        `json:"-"`
	Migrations      []Migration `json:"migrations"`
	// ExitCode is the code the invocation ends with, which its caller maps
	// from Verdict before any report is written, so that reports can
	// record it (json exitCode, SARIF invocation exitCode). Nothing in
	// this package reads a decision from it.
	ExitCode int `json:"exitCode"`
	// WorkDir is the directory input paths are made relative to in reports
	// that need relative paths (SARIF).
	WorkDir string `json:"-"`
	// EvaluatedAt is when the rules ran (the clock, or --now); reports for
	// people show it. Zero when unknown.
	EvaluatedAt time.Time `json:"-"`
	// Waivers are the waivers of the run's waiver files, in file order,
	// each with how many findings it accepted.
	Waivers []WaiverUse `json:"waivers,omitempty"`
	// FailOnUnusedWaivers makes AGP003 waiver-unused fail the gate
	// (--fail-on-unused-waivers).
	FailOnUnusedWaivers bool `json:"-"`
}

// UnusedWaiverRule is the ID of the tool finding for a waiver that
// accepted nothing; FailOnUnusedWaivers makes it fail the gate.
const UnusedWaiverRule = "AGP003"

// Verdict is the outcome of the gate over a result.
type Verdict string

const (
	// VerdictPass: no migration fails the gate.
	VerdictPass Verdict = "pass"
	// VerdictFail: a finding fails the gate (FindingFails).
	VerdictFail Verdict = "fail"
	// VerdictError: a rule could not be evaluated on some snapshot; an
	// error is never a pass and outranks a failing finding.
	VerdictError Verdict = "error"
)

// Verdict derives the gate's outcome from the findings and rule errors,
// the threshold (FailOn) and FailOnUndecided.
func (r *Result) Verdict() Verdict {
	s := r.Summary()
	switch {
	case s.RuleErrors > 0:
		return VerdictError
	case s.Failed > 0 || s.WaiverFilesFailed > 0:
		return VerdictFail
	}
	return VerdictPass
}

// Summary counts findings by severity.
type Summary struct {
	Migrations int `json:"migrations"`
	Failed     int `json:"failed"`
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Notes      int `json:"notes"`
	// Undecided counts the "could not check" findings (of any severity).
	Undecided  int `json:"undecided"`
	RuleErrors int `json:"ruleErrors"`
	// Waived counts the findings a waiver accepted; they are left out of
	// Errors, Warnings and Notes.
	Waived int `json:"waived,omitempty"`
	// WaiverFilesFailed counts the waiver files whose findings (AGP002 at
	// the threshold, AGP003 with FailOnUnusedWaivers) fail the gate; a
	// waiver file is not a migration, so Migrations and Failed leave it
	// out.
	WaiverFilesFailed int `json:"waiverFilesFailed,omitempty"`
}

// Summary counts the result's findings.
func (r *Result) Summary() Summary {
	s := Summary{}
	for i := range r.Migrations {
		m := &r.Migrations[i]
		fails := r.MigrationFails(m)
		switch {
		case m.IsWaivers() && fails:
			s.WaiverFilesFailed++
		case m.IsWaivers():
		case fails:
			s.Migrations++
			s.Failed++
		default:
			s.Migrations++
		}
		if !m.Candidate {
			// A candidate's rule errors are shown with it; the gate
			// (Verdict) judges the planned migrations only.
			s.RuleErrors += len(m.Errors)
		}
		for _, f := range m.Findings {
			if f.Waived() {
				s.Waived++
				continue
			}
			if f.Undecided {
				s.Undecided++
			}
			switch f.Severity {
			case SeverityError:
				s.Errors++
			case SeverityWarning:
				s.Warnings++
			case SeverityNote:
				s.Notes++
			}
		}
	}
	return s
}

// MigrationFails reports whether one migration fails the gate: it has a
// finding that fails it (FindingFails) or a rule that could not be
// evaluated. A candidate (an alternative destination) never does.
func (r *Result) MigrationFails(m *Migration) bool {
	if m.Candidate {
		return false
	}
	if len(m.Errors) > 0 {
		return true
	}
	for _, f := range m.Findings {
		if r.FindingFails(f) {
			return true
		}
	}
	return false
}

// FindingFails reports whether one finding fails the gate: its severity is
// at or above the threshold, or, with FailOnUndecided, it is undecided and
// its rule's default severity is error (a rule missing from Rules counts as
// error: unknown is never safe), or, with FailOnUnusedWaivers, it is AGP003.
// A waived finding never fails the gate.
func (r *Result) FindingFails(f Finding) bool {
	if f.Waived() {
		return false
	}
	if r.FailOnUnusedWaivers && f.RuleID == UnusedWaiverRule {
		return true
	}
	if r.FailOn.Fails(f.Severity) {
		return true
	}
	return r.FailOnUndecided && f.Undecided && r.defaultSeverity(f.RuleID) >= SeverityError
}

// UndecidedFails reports whether f fails the gate only because it is
// undecided (FailOnUndecided), not by its severity.
func (r *Result) UndecidedFails(f Finding) bool {
	return r.FindingFails(f) && !r.FailOn.Fails(f.Severity) && f.Undecided
}

func (r *Result) defaultSeverity(id string) Severity {
	if rule, ok := r.RuleByID(id); ok {
		return rule.Severity
	}
	return SeverityError
}

// WaiverUse returns the waiver of the run with the given ID.
func (r *Result) WaiverUse(id string) (WaiverUse, bool) {
	for _, w := range r.Waivers {
		if w.ID == id {
			return w, true
		}
	}
	return WaiverUse{}, false
}

// RuleByID returns the rule with the given ID.
func (r *Result) RuleByID(id string) (Rule, bool) {
	for _, rule := range r.Rules {
		if rule.ID == id {
			return rule, true
		}
	}
	return Rule{}, false
}

// SortFindings puts findings in report order: most severe first, then rule ID,
// resource, key and message. The order depends only on the findings.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.RuleID, b.RuleID),
			cmp.Compare(a.Resource.Kind, b.Resource.Kind),
			cmp.Compare(a.Resource.ID, b.Resource.ID),
			cmp.Compare(a.Key, b.Key),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// Fingerprint identifies a finding across runs: the rule, the group, the
// destination, the resource and the key. The file path and the message
// wording do not enter it, so moving a snapshot or rewording a rule keeps it.
func Fingerprint(groupID, destination string, f Finding) string {
	parts := []string{f.RuleID, groupID, destination, f.Resource.Kind, f.Resource.ID, f.Key}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}

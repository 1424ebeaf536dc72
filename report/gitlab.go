package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

func init() {
	register(Format{
		Name:        "gitlab",
		Description: "GitLab Code Quality report (artifacts:reports:codequality), shown in merge requests on every tier",
		Locates:     true,
		New:         func(o Options) Reporter { return gitlabReporter{opts: o} },
	})
}

// GitLab Code Quality output: the JSON array that
// artifacts:reports:codequality reads (a subset of the Code Climate issue
// format), which merge requests show on every GitLab tier. One object per
// finding and per rule that could not be evaluated:
//
//   - description: "<ID> <name>: <message>" (and the migration when the
//     report has several); check_name: the rule ID;
//   - severity: blocker for a rule that could not be evaluated, critical for
//     an error, major for an undecided finding of a rule whose default
//     severity is error (it blocks a migration), minor for a warning, info
//     for a note;
//   - location.path: the snapshot's path relative to Options.SourceRoot
//     (the repository), an absolute path outside it, "stdin" for standard
//     input; location.lines.begin: the line of the finding's field (1 when
//     unknown);
//   - fingerprint: 32 hex digits of SHA-256 over the logical fingerprint
//     (as SARIF's apigwPreflight/v1), the path and the occurrence, unique
//     per issue and the same in every run, so GitLab tells new issues from
//     fixed ones;
//   - an empty report is "[]", which GitLab reads as no issues.
type gitlabReporter struct{ opts Options }

type gitlabIssue struct {
	Description string         `json:"description"`
	CheckName   string         `json:"check_name"`
	Fingerprint string         `json:"fingerprint"`
	Severity    string         `json:"severity"`
	Location    gitlabLocation `json:"location"`
}

type gitlabLocation struct {
	Path  string      `json:"path"`
	Lines gitlabLines `json:"lines"`
}

type gitlabLines struct {
	Begin int `json:"begin"`
}

func (g gitlabReporter) Report(w io.Writer, r *Result) error {
	issues := gitlabIssues(r, g.opts)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(issues); err != nil {
		return fmt.Errorf("write gitlab code quality: %w", err)
	}
	return nil
}

func gitlabIssues(r *Result, opts Options) []gitlabIssue {
	issues := []gitlabIssue{}
	seen := map[string]int{}
	fingerprint := func(logical, path string) string {
		key := logical + "\x00" + path
		seen[key]++
		sum := sha256.Sum256([]byte("gitlab\x00" + key + "\x00" + strconv.Itoa(seen[key])))
		return hex.EncodeToString(sum[:16])
	}
	for i := range r.Migrations {
		m := &r.Migrations[i]
		path, _ := InputPath(r.WorkDir, opts.SourceRoot, m.Input)
		where := ""
		if len(r.Migrations) > 1 {
			where = " (" + m.ID() + ")"
		}
		for _, e := range m.Errors {
			issues = append(issues, gitlabIssue{
				Description: junitText("Rule " + e.RuleID + " could not be evaluated" + where + ": " + oneLine(e.Message)),
				CheckName:   e.RuleID,
				Fingerprint: fingerprint("error\x00"+e.RuleID+"\x00"+m.GroupID+"\x00"+m.Destination, path),
				Severity:    "blocker",
				Location:    gitlabLocation{Path: path, Lines: gitlabLines{Begin: 1}},
			})
		}
		findings := slices.Clone(m.Findings)
		SortFindings(findings)
		for _, f := range findings {
			issues = append(issues, gitlabIssue{
				Description: junitText(gitlabWaived(f) + strings.TrimSpace(f.RuleID+" "+f.RuleName) + where + ": " + oneLine(f.Message)),
				CheckName:   f.RuleID,
				Fingerprint: fingerprint(sarifFingerprint(m, f), path),
				Severity:    gitlabSeverity(r, f),
				Location:    gitlabLocation{Path: path, Lines: gitlabLines{Begin: max(f.Line, 1)}},
			})
		}
	}
	return issues
}

// gitlabWaived begins the description of a waived finding.
func gitlabWaived(f Finding) string {
	if f.Waiver == nil {
		return ""
	}
	return "waived by " + f.Waiver.ID + ": "
}

// gitlabSeverity maps a finding to a Code Quality severity.
func gitlabSeverity(r *Result, f Finding) string {
	switch {
	case f.Waived():
		return "info"
	case f.Severity == SeverityError:
		return "critical"
	case f.Undecided && r.defaultSeverity(f.RuleID) >= SeverityError:
		return "major"
	case f.Severity == SeverityWarning:
		return "minor"
	}
	return "info"
}

package migrate

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
)

// Record is one line of the audit log. Every attempt to migrate, whatever
// its end (refusals, dry runs and aborted prompts included), ends with one
// outcome line; an attempt that sends ModifyApiGroupInstance first appends
// an intent line (Status "intent", synced to disk before the request
// leaves), so that a write is on record even if the process is killed
// while it is in flight. Both lines of an attempt share its Attempt ID.
// A record ties the write to the evidence that allowed it: the SHA-256 of
// the snapshot and of the canonical (json format) report of the preflight,
// and of the re-check made right before the write. It never holds a
// credential.
type Record struct {
	// Attempt identifies the attempt: its intent and outcome lines share it.
	Attempt string `json:"attempt"`
	// Time is when the attempt started, Finished when it ended (UTC); an
	// intent line has no Finished.
	Time        string `json:"time"`
	Finished    string `json:"finished,omitempty"`
	Tool        string `json:"tool,omitempty"`
	Group       string `json:"group"`
	GroupName   string `json:"groupName,omitempty"`
	Region      string `json:"region,omitempty"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
	DryRun      bool   `json:"dryRun"`
	// Remark is what ModifyApiGroupInstance was (or would have been) sent.
	Remark string `json:"remark,omitempty"`
	// FailOn and Verdict ("pass", "fail", "error") are the preflight's gate.
	FailOn   string   `json:"failOn"`
	Verdict  string   `json:"verdict"`
	Findings Findings `json:"findings"`
	// SnapshotSHA256 and ReportSHA256 identify the preflight's evidence.
	SnapshotSHA256 string `json:"snapshotSha256"`
	ReportSHA256   string `json:"reportSha256"`
	// Undecided are the rules of default severity error that could not
	// decide (in the report or the re-check); AcceptedUndecided those of
	// them the operator accepted with --accept-undecided. A write happens
	// only when both lists are equal.
	Undecided         []string `json:"undecided,omitempty"`
	AcceptedUndecided []string `json:"acceptedUndecided,omitempty"`
	// Waivers are the waivers that accepted findings of the report, so
	// that the gate passed with them; the re-check must find each still
	// valid before the write.
	Waivers []WaiverRecord `json:"waivers,omitempty"`
	// Consent is "yes-flag", "prompt", "declined", "none", "interrupted",
	// or empty when none was needed.
	Consent string `json:"consent,omitempty"`
	// The re-check right before the write, when one was made.
	RecheckVerdict        string `json:"recheckVerdict,omitempty"`
	RecheckSnapshotSHA256 string `json:"recheckSnapshotSha256,omitempty"`
	RecheckReportSHA256   string `json:"recheckReportSha256,omitempty"`
	// WriteSent: a ModifyApiGroupInstance request left this process.
	// MigrationStarted: the cloud accepted it (or showed it running).
	WriteSent        bool `json:"writeSent"`
	MigrationStarted bool `json:"migrationStarted"`
	// RequestIDs are the cloud's IDs of the write attempts and of the
	// DescribeApiGroup answers that decided the outcome.
	RequestIDs []CallID `json:"requestIds"`
	Status     Status   `json:"status"`
	// InstanceID, MigrationStatus and MigrationError are the group's last
	// state read.
	InstanceID      string `json:"instanceId,omitempty"`
	MigrationStatus string `json:"migrationStatus,omitempty"`
	MigrationError  string `json:"migrationError,omitempty"`
	// Drain is how the --watch-drain ended, when asked for.
	Drain string `json:"drain,omitempty"`
	Error string `json:"error,omitempty"`
}

// WaiverRecord is one waiver the write rested on.
type WaiverRecord struct {
	ID      string `json:"id"`
	Rule    string `json:"rule"`
	Owner   string `json:"owner"`
	Ticket  string `json:"ticket,omitempty"`
	Expires string `json:"expires"`
}

// Findings counts the preflight's findings.
type Findings struct {
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Notes      int `json:"notes"`
	RuleErrors int `json:"ruleErrors"`
}

// CallID is one cloud request: the action, its RequestId and, when it
// failed, the error code.
type CallID struct {
	Action    string `json:"action"`
	RequestID string `json:"requestId,omitempty"`
	Code      string `json:"code,omitempty"`
}

const auditTime = "2006-01-02T15:04:05.000Z"

func newRecord(m *Migrator, first *Evidence, opts Options) Record {
	rec := Record{
		Attempt:     attemptID(),
		Time:        m.now().UTC().Format(auditTime),
		Tool:        m.Tool,
		Destination: opts.Target,
		DryRun:      opts.DryRun,
		RequestIDs:  []CallID{},
	}
	if first == nil || first.Result == nil {
		return rec
	}
	rec.Group, rec.GroupName, rec.Source = first.GroupID(), first.GroupName(), first.InstanceID()
	if len(first.Result.Migrations) > 0 {
		rec.Region = first.Result.Migrations[0].RegionID
	}
	s := first.Result.Summary()
	rec.Findings = Findings{Errors: s.Errors, Warnings: s.Warnings, Notes: s.Notes, RuleErrors: s.RuleErrors}
	rec.FailOn = first.Result.FailOn.String()
	rec.Verdict = string(first.verdict())
	rec.SnapshotSHA256 = first.SnapshotSHA256()
	rec.ReportSHA256 = first.ReportSHA256()
	for _, w := range first.usedWaivers() {
		rec.Waivers = append(rec.Waivers, WaiverRecord{ID: w.ID, Rule: w.Rule, Owner: w.Owner, Ticket: w.Ticket, Expires: w.Expires})
	}
	rec.seen(first.Group)
	return rec
}

func (rec *Record) recheck(e *Evidence) {
	rec.RecheckVerdict = string(e.verdict())
	rec.RecheckSnapshotSHA256 = e.SnapshotSHA256()
	rec.RecheckReportSHA256 = e.ReportSHA256()
	rec.seen(e.Group)
}

// seen records the group's state last read.
func (rec *Record) seen(g map[string]any) {
	rec.InstanceID = field(g, "InstanceId")
	rec.MigrationStatus = field(g, "MigrationStatus")
	rec.MigrationError = field(g, "MigrationError")
}

func (rec *Record) addRequest(action, id, code string) {
	rec.RequestIDs = append(rec.RequestIDs, CallID{Action: action, RequestID: id, Code: code})
}

func (rec *Record) addError(action string, err error) {
	var ae *cloud.APIError
	if errors.As(err, &ae) {
		rec.addRequest(action, ae.RequestID, ae.Code)
		return
	}
	rec.addRequest(action, "", "error")
}

func (rec *Record) finish(now time.Time, out Outcome, err error) {
	rec.Finished = now.UTC().Format(auditTime)
	rec.Status = out.Status
	rec.MigrationStarted = out.Wrote
	if out.Group != nil {
		rec.seen(out.Group)
	}
	if err != nil {
		rec.Error = err.Error()
	}
}

// attemptID is a random ID pairing an attempt's lines.
func attemptID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("t%x", time.Now().UnixNano())
	}
	return hex.EncodeToString(b[:])
}

// writeRecord appends rec to w as one JSON line, in one Write so that
// concurrent appenders (O_APPEND) never interleave. A regular file is
// locked (flock) while the line is appended, and synced to disk before
// writeRecord returns; a file that cannot be synced (a pipe, a character
// device) is only written.
func writeRecord(w io.Writer, rec Record) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		return err
	}
	f, ok := w.(*os.File)
	if !ok {
		_, err := w.Write(buf.Bytes())
		return err
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		if err := lockFile(f); err != nil {
			return fmt.Errorf("lock the audit log: %w", err)
		}
		defer unlockFile(f)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		return err
	}
	if err := f.Sync(); err != nil && !syncUnsupported(err) {
		return fmt.Errorf("sync the audit log: %w", err)
	}
	return nil
}

// OpenAuditLog opens file for appending audit lines, creating it (mode
// 0644) when missing.
func OpenAuditLog(file string) (*os.File, error) {
	return os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}

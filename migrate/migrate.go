// Package migrate is the write side of apigw-preflight: it moves an API
// group to another gateway instance with ModifyApiGroupInstance, but only
// when the preflight passed, a fresh re-check right before the write still
// passes, and the operator agreed. Then it waits for the asynchronous
// migration to end and verifies it.
//
// The package talks to the cloud through collector.API only; it never
// imports the SDK and never exits. Errors carry a Kind the command maps to
// an exit code.
package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apigw-preflight/apigw-preflight/collector"
	"github.com/apigw-preflight/apigw-preflight/report"
)

// ActionModify is the one write the package makes.
const ActionModify = "ModifyApiGroupInstance"

// Evidence is one preflight: the snapshot read from the cloud, the report
// evaluated from it, and the three cloud objects the decision rests on.
type Evidence struct {
	// Snapshot is the snapshot as written (its SHA-256 goes to the audit log).
	Snapshot []byte
	// Report is the canonical report: the json format's rendering of Result.
	Report []byte
	Result *report.Result
	// Group, Source and Destination are the snapshot's objects, verbatim.
	Group, Source, Destination map[string]any
}

// Passed reports whether the gate passed: no finding at or above the
// threshold and no rule that could not be evaluated.
func (e *Evidence) Passed() bool { return e != nil && e.Result != nil && e.Result.ExitCode == 0 }

// GroupID, GroupName, InstanceID, MigrationStatus and MigrationError read
// the group's fields.
func (e *Evidence) GroupID() string         { return field(e.Group, "GroupId") }
func (e *Evidence) GroupName() string       { return field(e.Group, "GroupName") }
func (e *Evidence) InstanceID() string      { return field(e.Group, "InstanceId") }
func (e *Evidence) MigrationStatus() string { return field(e.Group, "MigrationStatus") }
func (e *Evidence) MigrationError() string  { return field(e.Group, "MigrationError") }

// SourceDedicated reports whether the group's current instance is a
// dedicated one, which the user pays for and may want to release.
func (e *Evidence) SourceDedicated() bool {
	return strings.EqualFold(field(e.Source, "InstanceType"), "VPC_DEDICATED")
}

// SnapshotSHA256 and ReportSHA256 are the hex SHA-256 of the evidence.
func (e *Evidence) SnapshotSHA256() string { return sha256Hex(e.Snapshot) }
func (e *Evidence) ReportSHA256() string   { return sha256Hex(e.Report) }

func (e *Evidence) findings() []report.Finding {
	if e == nil || e.Result == nil {
		return nil
	}
	var out []report.Finding
	for _, m := range e.Result.Migrations {
		out = append(out, m.Findings...)
	}
	return out
}

func (e *Evidence) verdict() string {
	switch {
	case e == nil || e.Result == nil:
		return ""
	case e.Result.ExitCode == 0:
		return "pass"
	case e.Result.ExitCode == 3:
		return "fail"
	}
	return "error"
}

func sha256Hex(b []byte) string {
	if b == nil {
		return ""
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Preflight collects the cloud state again and evaluates it: the same
// pipeline as the report, run anew.
type Preflight func(ctx context.Context) (*Evidence, error)

// Kind classifies an Error for the exit code.
type Kind int

const (
	// KindFailed: the migration failed, could not be verified, or a call
	// or the re-check failed (exit 1).
	KindFailed Kind = iota + 1
	// KindConsent: no consent (no terminal and no --yes, or the prompt was
	// not answered as asked); nothing was written (exit 2).
	KindConsent
	// KindRefused: the gate failed, or the re-check found the state changed
	// since the report; nothing was written (exit 3).
	KindRefused
)

// Error is a migration that did not happen or did not verifiably finish.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func fail(kind Kind, format string, a ...any) error {
	return &Error{Kind: kind, Err: fmt.Errorf(format, a...)}
}

// Options are one migration's choices.
type Options struct {
	// Target is the destination instance ID.
	Target string
	// Remark is sent with ModifyApiGroupInstance; empty sends a remark
	// naming the report that allowed the write.
	Remark string
	// Yes gives consent without a prompt.
	Yes bool
	// DryRun prints the call that would be made and stops.
	DryRun bool
	// WatchDrain, when positive, watches the traffic still arriving at a
	// dedicated source after a successful migration for that long.
	WatchDrain time.Duration
}

// PollPolicy paces the DescribeApiGroup polls after the write: the first
// wait is Base, doubling up to Cap; Timeout bounds the whole wait.
type PollPolicy struct {
	Base, Cap, Timeout time.Duration
}

// DefaultPoll is used for the zero PollPolicy fields.
var DefaultPoll = PollPolicy{Base: 5 * time.Second, Cap: 30 * time.Second, Timeout: 15 * time.Minute}

// Migrator runs one gated migration.
type Migrator struct {
	// API makes the calls: the write, the polls, the drain watch.
	API collector.API
	// Recheck runs the preflight again right before the write, and once
	// more after a successful migration to show the new state.
	Recheck Preflight
	// Ask shows prompt and returns the line typed; nil when there is no
	// terminal to ask on (consent then needs Options.Yes).
	Ask func(prompt string) (string, error)
	// Out hears the summary, the decision and the outcome.
	Out io.Writer
	// Progress hears each poll; nil is silent.
	Progress io.Writer
	// Poll paces the wait for the migration to end.
	Poll PollPolicy
	// DrainInterval is the pause between drain samples (default 30s).
	DrainInterval time.Duration
	// WriteAttempts bounds the tries of a throttled write (default 4).
	WriteAttempts int
	// Audit, when set, receives one JSON line per Run.
	Audit io.Writer
	// Tool names the program in the audit line ("apigw-preflight 1.2.0").
	Tool string
	// Now and Sleep stand in for the clock (tests); nil uses the real one.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Status is how an attempt ended, as the audit log records it.
type Status string

// The statuses of an attempt.
const (
	StatusSucceeded   Status = "succeeded"         // the group is on the target; it got there by this run's write or one it waited for
	StatusAlreadyOn   Status = "already-on-target" // nothing to do
	StatusDryRun      Status = "dry-run"
	StatusRefused     Status = "refused"    // gate failed or state changed; nothing written
	StatusNoConsent   Status = "no-consent" // nothing written
	StatusFailed      Status = "failed"     // MigrationStatus Failed, or the write was rejected
	StatusTimeout     Status = "timeout"    // still running when the wait ended
	StatusError       Status = "error"      // a call or the re-check failed
	StatusInterrupted Status = "interrupted"
)

// Outcome is what a Run did.
type Outcome struct {
	Status Status
	// Wrote is true when a ModifyApiGroupInstance was accepted (or, after
	// an ambiguous failure, the group showed the migration had started).
	Wrote bool
	// Group is the group's last state read, when one was.
	Group map[string]any
}

// run is one attempt in progress: the record the audit line is made of.
type run struct {
	m     *Migrator
	first *Evidence
	opts  Options
	rec   Record
	out   Outcome
}

// Run migrates the group of first to opts.Target if, and only if, the
// gate allows it. The order: a group already on the target or with a
// migration in flight needs no write; a failing gate refuses; a dry run
// prints the call; consent; a fresh re-check must agree with first; one
// write; the wait; the verification. Every attempt leaves an audit line.
func (m *Migrator) Run(ctx context.Context, first *Evidence, opts Options) (Outcome, error) {
	r := &run{m: m, first: first, opts: opts}
	r.rec = newRecord(m, first, opts)
	err := r.run(ctx)
	if err != nil && r.out.Status == "" {
		r.out.Status = StatusError
	}
	r.rec.finish(m.now(), r.out, err)
	if m.Audit != nil {
		if aerr := writeRecord(m.Audit, r.rec); aerr != nil {
			fmt.Fprintf(m.Out, "warning: could not append to the audit log: %v\n", aerr)
		}
	}
	return r.out, err
}

func (r *run) run(ctx context.Context) error {
	m, first, opts := r.m, r.first, r.opts
	if first == nil || first.Result == nil {
		return fail(KindFailed, "migrate: no preflight result to decide on")
	}
	gid, target := first.GroupID(), opts.Target
	if gid == "" || target == "" {
		return fail(KindFailed, "migrate: the group ID and the target instance are required")
	}
	label := groupLabel(first)

	// (a) Nothing to write: a migration in flight or the group already there.
	if isRunning(first.MigrationStatus()) {
		if opts.DryRun {
			r.out.Status = StatusDryRun
			fmt.Fprintf(m.Out, "Dry run: group %s has a migration in flight (MigrationStatus Running); no call would be made: "+
				"the command would wait for it instead of starting another.\n", label)
			return nil
		}
		fmt.Fprintf(m.Out, "Group %s has a migration in flight (MigrationStatus Running, InstanceId %s): waiting for it instead of starting another.\n",
			label, first.InstanceID())
		return r.wait(ctx, gid, target, true)
	}
	if first.InstanceID() == target {
		r.out.Status = StatusAlreadyOn
		r.out.Group = first.Group
		fmt.Fprintf(m.Out, "Group %s is already on %s (MigrationStatus %s): nothing to migrate, nothing was written.\n",
			label, target, orDash(first.MigrationStatus()))
		return nil
	}

	// (b) The gate.
	if !first.Passed() {
		r.out.Status = StatusRefused
		return fail(kindOf(first), "not migrating group %s, nothing was written: %s", label, gateReason(first))
	}

	// (c) Dry run.
	remark := r.remark()
	r.rec.Remark = remark
	if opts.DryRun {
		r.out.Status = StatusDryRun
		fmt.Fprintf(m.Out, "Dry run: the preflight passed; this call would move group %s from %s to %s:\n  %s\n  (aliyun cloudapi %s)\n"+
			"then DescribeApiGroup would be polled until InstanceId is %s and MigrationStatus is no longer Running.\n"+
			"The call would follow consent and a fresh re-check. Nothing was written.\n",
			label, first.InstanceID(), target, callText(gid, target, remark), cliText(gid, target, remark), target)
		return nil
	}

	// (d) Consent, before anything is written.
	if err := r.consent(gid, target); err != nil {
		r.out.Status = StatusNoConsent
		return err
	}

	// (e) Re-check: decide on state read seconds ago.
	if m.Recheck == nil {
		return fail(KindFailed, "migrate: no re-check configured; refusing to write on old evidence")
	}
	fmt.Fprintf(m.Out, "Re-checking group %s before the write...\n", label)
	second, err := m.Recheck(ctx)
	if err != nil {
		if ctx.Err() != nil {
			r.out.Status = StatusInterrupted
		}
		return fail(KindFailed, "re-check before the write failed: %w; nothing was written", err)
	}
	r.rec.recheck(second)
	d := compare(first, second, target)
	if d.refuse {
		r.out.Status = StatusRefused
		return fail(kindOf(second), "not migrating group %s: the state changed since the report was made:\n%s\nnothing was written; run the command again to decide on the new state",
			label, d.text())
	}
	if len(d.lines) > 0 {
		fmt.Fprintf(m.Out, "The re-check still passes; changed since the report:\n%s\n", d.text())
	}

	// (f) The write, once.
	if err := r.write(ctx, gid, target, remark); err != nil {
		return err
	}

	// (g) The wait.
	return r.wait(ctx, gid, target, false)
}

// remark is what ModifyApiGroupInstance records with the change.
func (r *run) remark() string {
	if r.opts.Remark != "" {
		return r.opts.Remark
	}
	return "apigw-preflight: gate passed, report sha256 " + r.first.ReportSHA256()[:16]
}

// consent asks on a terminal, or takes --yes; without either it refuses.
func (r *run) consent(gid, target string) error {
	m, first := r.m, r.first
	if r.opts.Yes {
		r.rec.Consent = "yes-flag"
		fmt.Fprint(m.Out, summary(first, target))
		return nil
	}
	if m.Ask == nil {
		r.rec.Consent = "none"
		return fail(KindConsent, "not migrating group %s: there is no terminal to confirm on; pass --yes to migrate without a prompt "+
			"(or --dry-run to see the call); nothing was written", groupLabel(first))
	}
	fmt.Fprint(m.Out, summary(first, target))
	want := first.GroupName()
	if want == "" {
		want = gid
	}
	answer, err := m.Ask(fmt.Sprintf("Type the group name (%s) to migrate it now; anything else aborts: ", want))
	if err != nil {
		r.rec.Consent = "none"
		return fail(KindConsent, "aborted: no answer to the confirmation (%v); nothing was written", err)
	}
	answer = strings.TrimSpace(answer)
	if answer != want && answer != gid {
		r.rec.Consent = "declined"
		return fail(KindConsent, "aborted: the answer %q is not %q; nothing was written", truncate(answer, 40), want)
	}
	r.rec.Consent = "prompt"
	return nil
}

// write sends ModifyApiGroupInstance. Throttling means the request was
// rejected, so it is retried; any other failure that may have reached the
// cloud (timeout, broken connection, 5xx) is never re-sent blindly: the
// group is read to see whether the migration started.
func (r *run) write(ctx context.Context, gid, target, remark string) error {
	m := r.m
	params := map[string]string{"GroupId": gid, "TargetInstanceId": target, "Remark": remark}
	attempts := m.WriteAttempts
	if attempts <= 0 {
		attempts = 4
	}
	wait := m.poll().Base
	for attempt := 1; ; attempt++ {
		r.rec.WriteSent = true
		body, err := m.API.Call(ctx, collector.ProductCloudAPI, ActionModify, params)
		if err == nil {
			r.rec.addRequest(ActionModify, requestID(body), "")
			r.out.Wrote = true
			fmt.Fprintf(m.Out, "%s accepted (RequestId %s): group %s is moving from %s to %s.\n",
				ActionModify, orDash(requestID(body)), groupLabel(r.first), r.first.InstanceID(), target)
			return nil
		}
		r.rec.addError(ActionModify, err)
		if ctx.Err() != nil {
			r.out.Status = StatusInterrupted
			return fail(KindFailed, "interrupted while %s was in flight; it may have been applied: check with %s",
				ActionModify, describeHint(gid, target))
		}
		if isThrottling(err) && attempt < attempts {
			fmt.Fprintf(m.Out, "%s throttled (%v); the request was not applied, retrying in %s.\n", ActionModify, err, wait)
			if serr := m.sleep(ctx, wait); serr != nil {
				r.out.Status = StatusInterrupted
				return fail(KindFailed, "interrupted before %s was sent again; nothing was applied", ActionModify)
			}
			wait = min(wait*2, m.poll().Cap)
			continue
		}
		if isThrottling(err) || !collector.Retryable(err) {
			r.out.Status = StatusFailed
			return fail(KindFailed, "%s was rejected: %v; the group was not changed", ActionModify, err)
		}
		// Ambiguous: the request may have been applied.
		fmt.Fprintf(m.Out, "%s failed with %v, which does not tell whether it was applied; reading the group instead of sending it again.\n",
			ActionModify, err)
		g, derr := r.describe(ctx, gid)
		if derr != nil {
			r.out.Status = StatusError
			return fail(KindFailed, "%s failed (%v) and the group could not be read (%v); the migration may have started: check with %s before running again",
				ActionModify, err, derr, describeHint(gid, target))
		}
		if isRunning(field(g, "MigrationStatus")) || field(g, "InstanceId") == target {
			r.out.Wrote = true
			fmt.Fprintf(m.Out, "The group shows MigrationStatus %s, InstanceId %s: the migration started.\n",
				orDash(field(g, "MigrationStatus")), field(g, "InstanceId"))
			return nil
		}
		r.out.Status = StatusFailed
		return fail(KindFailed, "%s failed (%v) and the group shows no migration (MigrationStatus %s, InstanceId %s); it was not sent again. "+
			"Run the command again to retry: it re-checks first", ActionModify, err, orDash(field(g, "MigrationStatus")), field(g, "InstanceId"))
	}
}

// compare is what changed between the report's evidence and the re-check.
type diff struct {
	refuse bool
	lines  []string
}

func (d diff) text() string { return "  " + strings.Join(d.lines, "\n  ") }

// compare refuses when the verdict changed or the group moved or started
// migrating; other differences (findings below the threshold) are listed.
func compare(first, second *Evidence, target string) diff {
	var d diff
	if !second.Passed() {
		d.refuse = true
		s := second.Result.Summary()
		d.lines = append(d.lines, fmt.Sprintf("verdict: %s -> %s (--fail-on %s: %d error(s), %d warning(s), %d rule error(s))",
			first.verdict(), second.verdict(), second.Result.FailOn, s.Errors, s.Warnings, s.RuleErrors))
		for i := range second.Result.Migrations {
			for _, re := range second.Result.Migrations[i].Errors {
				d.lines = append(d.lines, fmt.Sprintf("rule %s could not be evaluated: %s", re.RuleID, re.Message))
			}
		}
	}
	for _, f := range []string{"InstanceId", "MigrationStatus"} {
		a, b := field(first.Group, f), field(second.Group, f)
		if a != b {
			d.refuse = true
			d.lines = append(d.lines, fmt.Sprintf("group %s: %s -> %s", f, orDash(a), orDash(b)))
		}
	}
	if a, b := field(first.Destination, "InstanceId"), field(second.Destination, "InstanceId"); a != b {
		d.refuse = true
		d.lines = append(d.lines, fmt.Sprintf("destination: %s -> %s", orDash(a), orDash(b)))
	}
	before := map[string]report.Finding{}
	for _, f := range first.findings() {
		before[f.Fingerprint] = f
	}
	after := map[string]bool{}
	for _, f := range second.findings() {
		after[f.Fingerprint] = true
		if _, ok := before[f.Fingerprint]; !ok {
			d.lines = append(d.lines, fmt.Sprintf("new finding %s %s: %s", f.Severity, f.RuleID, f.Message))
		}
	}
	for _, f := range first.findings() {
		if !after[f.Fingerprint] {
			d.lines = append(d.lines, fmt.Sprintf("gone: %s %s: %s", f.Severity, f.RuleID, f.Message))
		}
	}
	return d
}

// kindOf is the refusal class of a failed gate: rule errors are tool
// errors (exit 1), failing findings refusals (exit 3).
func kindOf(e *Evidence) Kind {
	if e != nil && e.Result != nil && e.Result.ExitCode == 1 {
		return KindFailed
	}
	return KindRefused
}

// gateReason says why a gate failed, naming the failing findings.
func gateReason(e *Evidence) string {
	r := e.Result
	s := r.Summary()
	var failing []string
	for i := range r.Migrations {
		mg := &r.Migrations[i]
		for _, re := range mg.Errors {
			failing = append(failing, fmt.Sprintf("%s could not be evaluated: %s", re.RuleID, re.Message))
		}
		for _, f := range mg.Findings {
			if r.FailOn.Fails(f.Severity) {
				failing = append(failing, fmt.Sprintf("%s %s: %s", f.Severity, f.RuleID, truncate(f.Message, 160)))
			}
		}
	}
	head := fmt.Sprintf("the preflight gate failed (--fail-on %s: %d error(s), %d warning(s), %d rule error(s))",
		r.FailOn, s.Errors, s.Warnings, s.RuleErrors)
	if len(failing) == 0 {
		return head
	}
	const most = 5
	more := ""
	if len(failing) > most {
		more = fmt.Sprintf("\n  - and %d more in the report", len(failing)-most)
		failing = failing[:most]
	}
	return head + ":\n  - " + strings.Join(failing, "\n  - ") + more
}

// summary is what the operator sees before consenting.
func summary(e *Evidence, target string) string {
	var b strings.Builder
	s := e.Result.Summary()
	fmt.Fprintf(&b, "About to migrate API group %s\n", groupLabel(e))
	fmt.Fprintf(&b, "  from %s (%s)\n", e.InstanceID(), instanceKind(e.Source))
	fmt.Fprintf(&b, "  to   %s (%s)\n", target, instanceKind(e.Destination))
	fmt.Fprintf(&b, "  preflight: passed at --fail-on %s with %d error(s), %d warning(s), %d note(s)\n",
		e.Result.FailOn, s.Errors, s.Warnings, s.Notes)
	fs := e.findings()
	for i, f := range fs {
		if i == 8 {
			fmt.Fprintf(&b, "    ... and %d more in the report\n", len(fs)-i)
			break
		}
		fmt.Fprintf(&b, "    %s %s: %s\n", f.Severity, f.RuleID, f.Message)
	}
	b.WriteString("Precautions:\n")
	fmt.Fprintf(&b, "  - The change takes effect in 1 to 10 minutes, as DNS caches expire; meanwhile some requests still reach %s.\n", e.InstanceID())
	if e.SourceDedicated() {
		fmt.Fprintf(&b, "  - Do not release %s until its traffic has stopped.\n", e.InstanceID())
	}
	b.WriteString("  - The destination's maximum RPS and HTTPS security policy apply to the group afterwards; its outbound IP may change.\n")
	return b.String()
}

func instanceKind(inst map[string]any) string {
	t := field(inst, "InstanceType")
	if d := field(inst, "DedicatedInstanceType"); d != "" {
		t += " " + d
	}
	return orDash(t)
}

func groupLabel(e *Evidence) string {
	if n := e.GroupName(); n != "" && n != e.GroupID() {
		return n + " (" + e.GroupID() + ")"
	}
	return e.GroupID()
}

// callText and cliText render the write for people.
func callText(gid, target, remark string) string {
	return fmt.Sprintf("%s GroupId=%s TargetInstanceId=%s Remark=%q", ActionModify, gid, target, remark)
}

func cliText(gid, target, remark string) string {
	return fmt.Sprintf("%s --GroupId %s --TargetInstanceId %s --Remark %s", ActionModify, gid, target, shellQuote(remark))
}

func describeHint(gid, target string) string {
	return fmt.Sprintf("`aliyun cloudapi DescribeApiGroup --GroupId %s` (done when InstanceId is %s and MigrationStatus is no longer Running)", gid, target)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func isRunning(status string) bool { return strings.EqualFold(strings.TrimSpace(status), "Running") }

func isFailed(status string) bool {
	s := strings.TrimSpace(status)
	return strings.EqualFold(s, "Failed") || strings.EqualFold(s, "Fail")
}

func isThrottling(err error) bool {
	var ae *collector.APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.Code == "Throttling" || strings.HasPrefix(ae.Code, "Throttling.")
}

func field(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	default:
		return fmt.Sprint(v)
	}
}

func orDash(s string) string {
	if s == "" {
		return "(empty)"
	}
	return s
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
}

func (m *Migrator) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Migrator) sleep(ctx context.Context, d time.Duration) error {
	if m.Sleep != nil {
		return m.Sleep(ctx, d)
	}
	return collector.Sleep(ctx, d)
}

func (m *Migrator) poll() PollPolicy {
	p := m.Poll
	if p.Base <= 0 {
		p.Base = DefaultPoll.Base
	}
	if p.Cap < p.Base {
		p.Cap = max(p.Base, DefaultPoll.Cap)
	}
	if p.Timeout <= 0 {
		p.Timeout = DefaultPoll.Timeout
	}
	return p
}

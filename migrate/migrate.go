// Package migrate is the write side of apigw-preflight: it moves an API
// group to another gateway instance with ModifyApiGroupInstance, but only
// when the preflight passed with no error rule left undecided, the operator
// agreed, and, under an exclusive lock on the group, a fresh re-check right
// before the write still passes. Then it waits for the asynchronous
// migration to end and verifies it. One run sends one write at most.
//
// The package talks to the cloud through cloud.API only; it never
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
	"slices"
	"strings"
	"time"

	"github.com/apigw-preflight/apigw-preflight/cloud"
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
func (e *Evidence) Passed() bool { return e.verdict() == report.VerdictPass }

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

// usedWaivers are the waivers that accepted findings of the evidence.
func (e *Evidence) usedWaivers() []report.WaiverUse {
	if e == nil || e.Result == nil {
		return nil
	}
	var out []report.WaiverUse
	for _, w := range e.Result.Waivers {
		if w.Used > 0 {
			out = append(out, w)
		}
	}
	return out
}

func (e *Evidence) verdict() report.Verdict {
	if e == nil || e.Result == nil {
		return ""
	}
	return e.Result.Verdict()
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
	// KindRefused: the gate failed, an error rule is undecided, or the
	// re-check found the state changed since the report; nothing was
	// written (exit 3).
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
	// AcceptUndecided names the rules of default severity error that may
	// be undecided ("could not check") without refusing the write. Each
	// undecided error rule must be named; the audit log records them.
	AcceptUndecided []string
	// LockTimeout bounds the wait for another run holding the group's lock
	// (default DefaultLockTimeout).
	LockTimeout time.Duration
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
	API cloud.API
	// Recheck runs the preflight again right before the write, and once
	// more after a successful migration to show the new state.
	Recheck Preflight
	// Ask shows prompt and returns the line typed, or ctx.Err() as soon as
	// ctx ends; nil when there is no terminal to ask on (consent then needs
	// Options.Yes).
	Ask func(ctx context.Context, prompt string) (string, error)
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
	// Audit, when set, receives an intent line before the write and one
	// outcome line per Run (see Record). An *os.File is locked while a line
	// is appended and synced after it; if the intent line cannot be
	// appended, the write is not sent.
	Audit io.Writer
	// LockDir holds the group locks (default DefaultLockDir()).
	LockDir string
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
	StatusAlreadyOn   Status = "already-on-target" // nothing to do (possibly moved by another run since the report)
	StatusDryRun      Status = "dry-run"
	StatusRefused     Status = "refused"     // gate failed, an error rule undecided, or state changed; nothing written
	StatusNoConsent   Status = "no-consent"  // nothing written
	StatusBusy        Status = "busy"        // another run held the group's lock past the lock timeout; nothing written
	StatusAborted     Status = "aborted"     // interrupted (a signal) before any write was sent
	StatusFailed      Status = "failed"      // MigrationStatus Failed, or the write was rejected
	StatusTimeout     Status = "timeout"     // still running when the wait ended
	StatusError       Status = "error"       // a call or the re-check failed
	StatusInterrupted Status = "interrupted" // interrupted after the write was sent
	// StatusIntent marks the intent line appended right before the write.
	StatusIntent Status = "intent"
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
	lock  *groupLock
	// before is the group as read right before the write.
	before map[string]any
}

// Run migrates the group of first to opts.Target if, and only if, the
// gate allows it. The order: a group already on the target or with a
// migration in flight needs no write; a failing gate or an undecided error
// rule refuses; a dry run prints the call; consent; the group's lock; a
// fresh re-check must agree with first; the group read once more; the
// audit intent line; one write; the wait; the verification. Every attempt
// ends with an audit outcome line; when that line cannot be appended, Run
// returns an error even if the migration succeeded. When ctx ends, Run
// stops at once and its error wraps ctx.Err().
func (m *Migrator) Run(ctx context.Context, first *Evidence, opts Options) (Outcome, error) {
	r := &run{m: m, first: first, opts: opts}
	r.rec = newRecord(m, first, opts)
	err := r.run(ctx)
	r.lock.unlock()
	if err != nil && r.out.Status == "" {
		r.out.Status = StatusError
	}
	r.rec.finish(m.now(), r.out, err)
	if m.Audit != nil {
		if aerr := writeRecord(m.Audit, r.rec); aerr != nil {
			err = r.outcomeNotLogged(err, aerr)
		}
	}
	return r.out, err
}

// outcomeNotLogged is the error of a run whose outcome line could not be
// appended: the run's own error, or, after a success, a failure of its own.
func (r *run) outcomeNotLogged(err, aerr error) error {
	msg := fmt.Sprintf("the outcome line (status %s) could not be appended to the audit log: %v; record the outcome by hand", r.out.Status, aerr)
	if err == nil {
		return &Error{Kind: KindFailed, Err: fmt.Errorf("group %s: %s", groupLabel(r.first), msg)}
	}
	kind := KindFailed
	var me *Error
	if errors.As(err, &me) {
		kind = me.Kind
	}
	return &Error{Kind: kind, Err: fmt.Errorf("%w; also, %s", err, msg)}
}

// aborted ends a run that ctx stopped before any write was sent.
func (r *run) aborted(ctx context.Context, where string) error {
	r.out.Status = StatusAborted
	return &Error{Kind: KindFailed, Err: fmt.Errorf("aborted %s; nothing was written: %w", where, ctx.Err())}
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
		// The exit code agrees with the report written before.
		if !first.Passed() {
			return fail(kindOf(first), "group %s is already on %s and nothing was written, but the report's gate did not pass: %s",
				label, target, gateReason(first))
		}
		return nil
	}

	// (b) The gate: no failing finding, no undecided error rule.
	if !first.Passed() {
		r.out.Status = StatusRefused
		return fail(kindOf(first), "not migrating group %s, nothing was written: %s", label, gateReason(first))
	}
	if err := r.undecidedGate(first, "the report"); err != nil {
		return err
	}

	// (c) Dry run.
	remark := r.remark()
	r.rec.Remark = remark
	if opts.DryRun {
		r.out.Status = StatusDryRun
		fmt.Fprintf(m.Out, "Dry run: the preflight passed; this call would move group %s from %s to %s:\n  %s\n  (aliyun cloudapi %s)\n"+
			"then DescribeApiGroup would be polled until InstanceId is %s and MigrationStatus is no longer Running.\n"+
			"The call would follow consent and, under the group's lock, a fresh re-check. Nothing was written.\n",
			label, first.InstanceID(), target, callText(gid, target, remark), cliText(gid, target, remark), target)
		return nil
	}

	// (d) Consent, before anything is written.
	if err := r.consent(ctx, gid, target); err != nil {
		if r.out.Status == "" {
			r.out.Status = StatusNoConsent
		}
		return err
	}
	if m.Recheck == nil {
		return fail(KindFailed, "migrate: no re-check configured; refusing to write on old evidence")
	}

	// (e) The group's lock, held until the wait ends: one write per group.
	lock, err := r.lockGroup(ctx, r.rec.Region, gid, opts.LockTimeout)
	if err != nil {
		var busy *lockBusyError
		switch {
		case ctx.Err() != nil:
			return r.aborted(ctx, "while waiting for the group's lock")
		case errors.As(err, &busy):
			r.out.Status = StatusBusy
			return fail(KindFailed, "not migrating group %s: %v; it may be migrating the group. Nothing was written: "+
				"run the command again once that run ends, or wait longer with --lock-timeout", label, err)
		}
		return fail(KindFailed, "not migrating group %s: could not take the group's lock: %v; nothing was written", label, err)
	}
	r.lock = lock

	// (f) Re-check: decide on state read seconds ago.
	fmt.Fprintf(m.Out, "Re-checking group %s before the write...\n", label)
	second, err := m.Recheck(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return r.aborted(ctx, "during the re-check")
		}
		return fail(KindFailed, "re-check before the write failed: %w; nothing was written", err)
	}
	r.rec.recheck(second)
	if second.InstanceID() == target && !isRunning(second.MigrationStatus()) {
		r.out.Status, r.out.Group = StatusAlreadyOn, second.Group
		fmt.Fprintf(m.Out, "Group %s is now on %s (MigrationStatus %s): another run or operator moved it since the report; nothing was written.\n",
			label, target, orDash(second.MigrationStatus()))
		return nil
	}
	d := compare(first, second, target)
	if d.refuse {
		r.out.Status = StatusRefused
		return fail(kindOf(second), "not migrating group %s: the state changed since the report was made:\n%s\nnothing was written; run the command again to decide on the new state",
			label, d.text())
	}
	if err := r.undecidedGate(second, "the re-check"); err != nil {
		return err
	}
	if len(d.lines) > 0 {
		fmt.Fprintf(m.Out, "The re-check still passes; changed since the report:\n%s\n", d.text())
	}

	// (g) The group once more, right before the write.
	write, inFlight, err := r.lastLook(ctx, gid, target)
	if err != nil || (!write && !inFlight) {
		return err
	}

	// (h) The intent line, then the write, once.
	if write {
		if err := r.intent(); err != nil {
			return err
		}
		if inFlight, err = r.write(ctx, gid, target, remark); err != nil {
			return err
		}
	}

	// (i) The wait.
	return r.wait(ctx, gid, target, inFlight)
}

// undecidedGate refuses while a rule of default severity error could not
// decide on e, unless each such rule is named in --accept-undecided.
func (r *run) undecidedGate(e *Evidence, which string) error {
	rules := undecidedRules(e)
	var accepted, open []string
	for _, id := range rules {
		if !slices.Contains(r.rec.Undecided, id) {
			r.rec.Undecided = append(r.rec.Undecided, id)
		}
		if slices.Contains(r.opts.AcceptUndecided, id) {
			if !slices.Contains(r.rec.AcceptedUndecided, id) {
				r.rec.AcceptedUndecided = append(r.rec.AcceptedUndecided, id)
			}
			accepted = append(accepted, id)
		} else {
			open = append(open, id)
		}
	}
	slices.Sort(r.rec.Undecided)
	slices.Sort(r.rec.AcceptedUndecided)
	if len(open) > 0 {
		r.out.Status = StatusRefused
		return fail(KindRefused, "not migrating group %s, nothing was written: in %s, %s could not decide:\n%s\n"+
			"a rule that could not check never counts as passed. Fix the cause and run again, or, to migrate anyway, accept each rule by name: --accept-undecided %s",
			groupLabel(r.first), which, ruleList(open), undecidedText(e, open), strings.Join(open, ","))
	}
	if len(accepted) > 0 {
		fmt.Fprintf(r.m.Out, "warning: in %s, %s could not decide; going on because --accept-undecided names %s (recorded in the audit log).\n",
			which, ruleList(accepted), map[bool]string{true: "it", false: "them"}[len(accepted) == 1])
	}
	return nil
}

func ruleList(ids []string) string {
	if len(ids) == 1 {
		return "rule " + ids[0]
	}
	return "rules " + strings.Join(ids, ", ")
}

// undecidedText lists the undecided findings of the rules ids.
func undecidedText(e *Evidence, ids []string) string {
	var lines []string
	for _, f := range e.findings() {
		if undecided(f) && slices.Contains(ids, f.RuleID) {
			lines = append(lines, fmt.Sprintf("  - %s: %s", f.RuleID, cloud.Truncate(f.Message, 200)))
		}
	}
	return strings.Join(lines, "\n")
}

// undecidedRules are the rules of default severity error with an
// undecided finding in e, sorted.
func undecidedRules(e *Evidence) []string {
	var out []string
	for _, mg := range e.Result.Migrations {
		mg.Findings = slices.Clone(mg.Findings)
		for i := range mg.Findings {
			mg.Findings[i].Undecided = undecided(mg.Findings[i])
		}
		for _, id := range mg.UndecidedRules(e.Result.Rules, report.SeverityError) {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out
}

// undecided reports whether f is a "could not check" finding: it carries
// the Undecided marker, or its message starts as every could-not-check
// message does, so that a finding made without the marker (an organisation
// policy written before it existed) still keeps the gate closed.
func undecided(f report.Finding) bool {
	return f.Undecided || strings.HasPrefix(f.Message, "could not check")
}

// lastLook reads the group right before the write. write is true when the
// group is still where the report and the re-check saw it; inFlight when a
// migration started since, which is then waited for instead. Neither: the
// group is on the target already (nil error) or changed (a refusal).
func (r *run) lastLook(ctx context.Context, gid, target string) (write, inFlight bool, err error) {
	label := groupLabel(r.first)
	g, err := r.describe(ctx, gid)
	if err != nil {
		if ctx.Err() != nil {
			return false, false, r.aborted(ctx, "reading the group right before the write")
		}
		return false, false, fail(KindFailed, "could not read group %s right before the write: %v; nothing was written", label, err)
	}
	r.before = g
	status, inst := field(g, "MigrationStatus"), field(g, "InstanceId")
	switch {
	case isRunning(status):
		fmt.Fprintf(r.m.Out, "Group %s shows a migration in flight right before the write (MigrationStatus Running, InstanceId %s), not started by this run: waiting for it instead of starting another.\n",
			label, orDash(inst))
		return false, true, nil
	case inst == target:
		r.out.Status, r.out.Group = StatusAlreadyOn, g
		fmt.Fprintf(r.m.Out, "Group %s is now on %s (MigrationStatus %s): another run or operator moved it since the report; nothing was written.\n",
			label, target, orDash(status))
		return false, false, nil
	case inst != r.first.InstanceID() || status != r.first.MigrationStatus():
		r.out.Status = StatusRefused
		return false, false, fail(KindRefused, "not migrating group %s: right before the write it shows InstanceId %s, MigrationStatus %s, where the report saw %s, %s; "+
			"nothing was written; run the command again to decide on the new state",
			label, orDash(inst), orDash(status), orDash(r.first.InstanceID()), orDash(r.first.MigrationStatus()))
	}
	return true, false, nil
}

// intent appends the intent line; without it no write is sent.
func (r *run) intent() error {
	if r.m.Audit == nil {
		return nil
	}
	rec := r.rec
	rec.Status = StatusIntent
	rec.RequestIDs = slices.Clone(rec.RequestIDs)
	if err := writeRecord(r.m.Audit, rec); err != nil {
		r.out.Status = StatusError
		return fail(KindFailed, "not migrating group %s: the intent line could not be appended to the audit log (%v), and no write is sent without it; nothing was written",
			groupLabel(r.first), err)
	}
	return nil
}

// remark is what ModifyApiGroupInstance records with the change.
func (r *run) remark() string {
	if r.opts.Remark != "" {
		return r.opts.Remark
	}
	return "apigw-preflight: gate passed, report sha256 " + r.first.ReportSHA256()[:16]
}

// consent asks on a terminal, or takes --yes; without either it refuses.
func (r *run) consent(ctx context.Context, gid, target string) error {
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
	answer, err := m.Ask(ctx, fmt.Sprintf("Type the group name (%s) to migrate it now; anything else aborts: ", want))
	if err != nil && ctx.Err() != nil {
		r.rec.Consent = "interrupted"
		return r.aborted(ctx, "at the confirmation prompt")
	}
	if err != nil {
		r.rec.Consent = "none"
		return fail(KindConsent, "aborted: no answer to the confirmation (%v); nothing was written", err)
	}
	answer = strings.TrimSpace(answer)
	if answer != want && answer != gid {
		r.rec.Consent = "declined"
		return fail(KindConsent, "aborted: the answer %q is not %q; nothing was written", cloud.Truncate(answer, 40), want)
	}
	r.rec.Consent = "prompt"
	return nil
}

// write sends ModifyApiGroupInstance. Only an explicit API error code (a
// 4xx answer with a Code) tells that the request was not applied:
// throttling is then retried, MigrationInProgress means a migration is in
// flight (inFlight: it is waited for), any other code is a rejection.
// Every other failure (a timeout, a broken connection, a body cut short, a
// 5xx) may hide an applied request; it is never re-sent blindly: settle
// reads the group to see whether the migration started.
func (r *run) write(ctx context.Context, gid, target, remark string) (inFlight bool, err error) {
	m := r.m
	params := map[string]string{"GroupId": gid, "TargetInstanceId": target, "Remark": remark}
	attempts := m.WriteAttempts
	if attempts <= 0 {
		attempts = 4
	}
	throttled := func(err error) bool {
		code, explicit := rejection(err)
		return explicit && isThrottlingCode(code)
	}
	var body []byte
	sleeping := false // a throttled try was answered; the next is not sent yet
	notify := func(err error, _ int, wait time.Duration) {
		sleeping = true
		fmt.Fprintf(m.Out, "%s throttled (%v); the request was not applied, retrying in %s.\n", ActionModify, err, wait)
	}
	err = m.retry(attempts, throttled).Do(ctx, ActionModify, notify, func(ctx context.Context) error {
		sleeping = false
		r.rec.WriteSent = true
		b, err := m.API.Call(ctx, cloud.ProductCloudAPI, ActionModify, params)
		if err != nil {
			r.rec.addError(ActionModify, err)
			return err
		}
		body = b
		return nil
	})
	if err == nil {
		r.rec.addRequest(ActionModify, requestID(body), "")
		r.out.Wrote = true
		fmt.Fprintf(m.Out, "%s accepted (RequestId %s): group %s is moving from %s to %s.\n",
			ActionModify, orDash(requestID(body)), groupLabel(r.first), r.first.InstanceID(), target)
		return false, nil
	}
	if ctx.Err() != nil {
		if sleeping {
			return false, r.aborted(ctx, "before "+ActionModify+" was sent again (the throttled tries were not applied)")
		}
		r.out.Status = StatusInterrupted
		return false, &Error{Kind: KindFailed, Err: fmt.Errorf("interrupted while %s was in flight; it may have been applied: check with %s: %w",
			ActionModify, describeHint(gid, target), ctx.Err())}
	}
	code, explicit := rejection(err)
	switch {
	case explicit && code == "MigrationInProgress":
		fmt.Fprintf(m.Out, "%s answered MigrationInProgress: a migration of group %s is in flight, not started by this run; waiting for it instead of sending another.\n",
			ActionModify, groupLabel(r.first))
		return true, nil
	case explicit:
		r.out.Status = StatusFailed
		return false, fail(KindFailed, "%s was rejected: %v; the group was not changed", ActionModify, err)
	}
	return false, r.settle(ctx, gid, target, err)
}

// settleReads is how many reads of the group decide an ambiguous write.
const settleReads = 3

// settle decides a write whose answer was lost (werr) by reading the group
// a few times at the poll pace: the migration started if the group shows
// it running, on the target, or with a migration state other than the one
// read right before the write. Only reads that all show the group as it
// was make the write "not applied".
func (r *run) settle(ctx context.Context, gid, target string, werr error) error {
	m := r.m
	fmt.Fprintf(m.Out, "%s failed with %v, which does not tell whether it was applied; reading the group instead of sending it again.\n",
		ActionModify, werr)
	before := r.before
	if before == nil {
		before = r.first.Group
	}
	wait := m.poll().Base
	var last map[string]any
	var lastErr error
	for i := 1; i <= settleReads; i++ {
		if i > 1 {
			if err := m.sleep(ctx, wait); err != nil {
				return r.interrupted(ctx, gid, target)
			}
			wait = min(wait*2, m.poll().Cap)
		}
		g, err := r.describe(ctx, gid)
		if err != nil {
			if ctx.Err() != nil {
				return r.interrupted(ctx, gid, target)
			}
			lastErr = err
			continue
		}
		last = g
		status, inst := field(g, "MigrationStatus"), field(g, "InstanceId")
		if isRunning(status) || inst == target || status != field(before, "MigrationStatus") ||
			field(g, "MigrationError") != field(before, "MigrationError") {
			r.out.Wrote = true
			fmt.Fprintf(m.Out, "The group shows MigrationStatus %s, InstanceId %s: the migration started.\n", orDash(status), orDash(inst))
			return nil
		}
	}
	if last == nil {
		r.out.Status = StatusError
		return fail(KindFailed, "%s failed (%v) and the group could not be read (%v); the migration may have started: check with %s before running again",
			ActionModify, werr, lastErr, describeHint(gid, target))
	}
	r.out.Status, r.out.Group = StatusFailed, last
	return fail(KindFailed, "%s failed (%v), and the group, read %d times since, shows no migration (MigrationStatus %s, InstanceId %s, as before the write): "+
		"it was not applied, and it was not sent again. Run the command again to retry: it re-checks first",
		ActionModify, werr, settleReads, orDash(field(last, "MigrationStatus")), orDash(field(last, "InstanceId")))
}

// rejection returns the code of err when err is the cloud's own refusal of
// the request: an API error code in a 4xx answer, or missing credentials
// (the request never left). A 5xx, a timeout, a broken connection, a body
// cut short or an answer that is not an API error tells nothing: the
// request may have been applied.
func rejection(err error) (code string, explicit bool) {
	var ae *cloud.APIError
	if !errors.As(err, &ae) {
		return "", false
	}
	if ae.IsCredential() && ae.HTTPStatus == 0 {
		return ae.Code, true
	}
	if ae.Code == "" || ae.HTTPStatus < 400 || ae.HTTPStatus >= 500 || strings.HasPrefix(ae.Code, "HTTP") {
		return "", false
	}
	return ae.Code, true
}

// permanent reports whether a read failed for good: an explicit API error
// that is not worth another try. Anything else only costs a poll.
func permanent(err error) bool {
	_, explicit := rejection(err)
	return explicit && !cloud.Retryable(err)
}

// diff is what changed between the report's evidence and the re-check:
// refuse is set when the change stops the write; lines say what changed.
type diff struct {
	refuse bool
	lines  []string
}

func (d diff) text() string { return "  " + strings.Join(d.lines, "\n  ") }

// compare refuses when the verdict changed, the group moved or started
// migrating, or a waiver the report rested on is no longer valid (it
// expired, or is gone); other differences (findings below the threshold)
// are listed.
func compare(first, second *Evidence, target string) diff {
	var d diff
	for _, w := range first.usedWaivers() {
		now, ok := second.Result.WaiverUse(w.ID)
		switch {
		case !ok:
			d.refuse = true
			d.lines = append(d.lines, fmt.Sprintf("waiver %s (%s on %s): in the report, missing from the re-check", w.ID, w.Rule, w.Group))
		case now.Expired:
			d.refuse = true
			d.lines = append(d.lines, fmt.Sprintf("waiver %s (%s on %s, owner %s): valid in the report, expired at the re-check (expires %s)", w.ID, w.Rule, w.Group, w.Owner, w.Expires))
		}
	}
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
	if e.verdict() == report.VerdictError {
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
			if r.FindingFails(f) {
				failing = append(failing, fmt.Sprintf("%s %s: %s", f.Severity, f.RuleID, cloud.Truncate(f.Message, 160)))
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
		if w := f.Waiver; w != nil {
			fmt.Fprintf(&b, "    %s %s (waived by %s, owner %s, expires %s): %s\n", f.Severity, f.RuleID, w.ID, w.Owner, w.Expires, f.Message)
			continue
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

func isThrottlingCode(code string) bool {
	return code == "Throttling" || strings.HasPrefix(code, "Throttling.")
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
	return cloud.Sleep(ctx, d)
}

// retry is the backoff of the migrator's own retries: the poll policy's
// Base doubling up to its Cap, without jitter, on the migrator's clock;
// retryIf says which errors are worth another of the attempts.
func (m *Migrator) retry(attempts int, retryIf func(error) bool) cloud.RetryPolicy {
	p := m.poll()
	return cloud.RetryPolicy{MaxAttempts: attempts, Base: p.Base, Cap: p.Cap, NoJitter: true, Sleep: m.sleep, RetryIf: retryIf}
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

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/migrate"
	"github.com/apigw-preflight/apigw-preflight/report"
)

// migrateExitCodes says what each exit code means with --migrate; run's
// help derives from it.
var migrateExitCodes = []struct {
	Code    int
	Meaning string
}{
	{exitPass, "migrated and verified, the group was already on the destination (and the report passed), or a dry run"},
	{exitToolError, "the migration failed or did not finish within --wait-timeout, a call failed, another run held the group's lock past --lock-timeout, or the audit log could not be appended"},
	{exitUsage, "usage error, or no consent (no terminal and no --yes, or the prompt declined)"},
	{exitGateFailed, "the gate failed, a rule of default severity error could not decide (see --accept-undecided), or the state changed since the report; nothing was written"},
	{exitSIGINT, "interrupted by SIGINT (Ctrl-C); the audit log says whether the write was sent"},
	{exitSIGTERM, "interrupted by SIGTERM; the audit log says whether the write was sent"},
}

func migrateExitHelp() string {
	var b strings.Builder
	b.WriteString("Exit codes with --migrate:\n")
	for _, c := range migrateExitCodes {
		fmt.Fprintf(&b, "  %d  %s\n", c.Code, c.Meaning)
	}
	return b.String()
}

// migrateFlags are run's --migrate flags.
type migrateFlags struct {
	migrate, yes, dryRun bool
	remark               string
	waitTimeout          time.Duration
	watchDrain           time.Duration
	auditLog             string
	acceptUndecided      []string
	lockTimeout          time.Duration
	// pollInterval (hidden) replaces the backoff of the polls, the drain
	// samples and the throttled write: tests make it short.
	pollInterval time.Duration
}

// migrateOnly are the flags that mean nothing without --migrate.
var migrateOnly = []string{"yes", "dry-run", "remark", "wait-timeout", "watch-drain", "audit-log", "accept-undecided", "lock-timeout", "poll-interval"}

func (mf *migrateFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&mf.migrate, "migrate", false, "after the report, move the group with ModifyApiGroupInstance if the gate passed (see above)")
	fs.BoolVarP(&mf.yes, "yes", "y", false, "with --migrate: consent without a prompt (required without a terminal)")
	fs.BoolVar(&mf.dryRun, "dry-run", false, "with --migrate: print the call that would be made and stop")
	fs.StringVar(&mf.remark, "remark", "", "with --migrate: the `TEXT` sent as Remark; default names the report's SHA-256")
	fs.DurationVar(&mf.waitTimeout, "wait-timeout", migrate.DefaultPoll.Timeout, "with --migrate: how long to wait for the migration to end, a `DURATION`")
	fs.DurationVar(&mf.watchDrain, "watch-drain", 0, "with --migrate: after success, report the traffic still reaching a dedicated source for up to `DURATION`")
	fs.StringVar(&mf.auditLog, "audit-log", "", "with --migrate: append an intent line before the write and an outcome line per attempt to `FILE`")
	fs.StringSliceVar(&mf.acceptUndecided, "accept-undecided", nil, "with --migrate: migrate although the rules `RULE,...` (of default severity error) could not decide; each must be named")
	fs.DurationVar(&mf.lockTimeout, "lock-timeout", migrate.DefaultLockTimeout, "with --migrate: how long to wait for another run holding the group's lock, a `DURATION`")
	fs.DurationVar(&mf.pollInterval, "poll-interval", 0, "with --migrate: fixed pause between polls (testing)")
	_ = fs.MarkHidden("poll-interval")
}

// validate checks the migrate flags before any cloud call.
func (mf *migrateFlags) validate(fs *pflag.FlagSet) error {
	if !mf.migrate {
		for _, name := range migrateOnly {
			if fs.Changed(name) {
				return usageErr("--%s only applies with --migrate", name)
			}
		}
		return nil
	}
	if mf.waitTimeout <= 0 {
		return usageErr("--wait-timeout %s: want a positive duration like 15m", mf.waitTimeout)
	}
	if mf.watchDrain < 0 {
		return usageErr("--watch-drain %s: want a positive duration like 10m", mf.watchDrain)
	}
	if mf.lockTimeout <= 0 {
		return usageErr("--lock-timeout %s: want a positive duration like 30s", mf.lockTimeout)
	}
	if fs.Changed("poll-interval") && mf.pollInterval <= 0 {
		return usageErr("--poll-interval %s: want a positive duration", mf.pollInterval)
	}
	if fs.Changed("remark") && strings.TrimSpace(mf.remark) == "" {
		return usageErr("--remark: give some text, or leave the flag out for the default remark")
	}
	if strings.IndexFunc(mf.remark, unicode.IsControl) >= 0 {
		return usageErr("--remark: control characters (newlines, tabs) are not allowed")
	}
	if mf.auditLog != "" {
		if err := checkOutputDir("--audit-log", mf.auditLog); err != nil {
			return err
		}
	}
	return nil
}

// checkAcceptUndecided normalises --accept-undecided to upper case and
// checks each ID against the rules loaded; an unknown one is a usage error.
func (mf *migrateFlags) checkAcceptUndecided(rules []report.Rule) error {
	known := make(map[string]bool, len(rules))
	for _, r := range rules {
		known[r.ID] = true
	}
	var ids []string
	for _, id := range mf.acceptUndecided {
		id = strings.ToUpper(strings.TrimSpace(id))
		switch {
		case id == "":
			return usageErr("--accept-undecided: empty rule ID; give rule IDs like MIG001,MIG004")
		case !known[id]:
			return usageErr("--accept-undecided %s: no such rule; 'apigw-preflight policies list' lists the rules", id)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	mf.acceptUndecided = ids
	return nil
}

// newEvidence is one preflight as the migrator sees it: the snapshot
// bytes, the canonical report (the json format, byte for byte what
// -f json=FILE writes) and the objects the decision rests on.
func newEvidence(c *collected, r *report.Result) (*migrate.Evidence, error) {
	f, err := report.Lookup("json")
	if err != nil {
		return nil, withCode(exitToolError, err)
	}
	var buf bytes.Buffer
	if err := f.New(report.Options{}).Report(&buf, r); err != nil {
		return nil, withCode(exitToolError, fmt.Errorf("render the json report for the audit: %w", err))
	}
	return &migrate.Evidence{
		Snapshot:    c.raw,
		Report:      buf.Bytes(),
		Result:      r,
		Group:       c.snap.Group,
		Source:      c.snap.Source,
		Destination: c.snap.Destination,
	}, nil
}

// runMigrate wires the migrator to the cloud, the terminal and the audit
// log, runs it, and maps its error to an exit code.
func runMigrate(ctx context.Context, e *env, cf *collectFlags, mf *migrateFlags, audit *os.File, first *migrate.Evidence, recheck migrate.Preflight) error {
	client, _, err := cf.client()
	if err != nil {
		return err
	}
	m := &migrate.Migrator{
		API:     client,
		Recheck: recheck,
		Out:     e.stderr,
		Poll:    migrate.PollPolicy{Base: migrate.DefaultPoll.Base, Cap: migrate.DefaultPoll.Cap, Timeout: mf.waitTimeout},
		Tool:    "apigw-preflight " + toolVersion(),
	}
	if audit != nil {
		m.Audit = audit
	}
	if !cf.quiet {
		m.Progress = e.stderr
	}
	if mf.pollInterval > 0 {
		m.Poll.Base, m.Poll.Cap = mf.pollInterval, mf.pollInterval
		m.DrainInterval = mf.pollInterval
	}
	if e.stdinTTY {
		m.Ask = promptOn(e)
	}
	_, err = m.Run(ctx, first, migrate.Options{
		Target:          cf.to,
		Remark:          mf.remark,
		Yes:             mf.yes,
		DryRun:          mf.dryRun,
		WatchDrain:      mf.watchDrain,
		AcceptUndecided: mf.acceptUndecided,
		LockTimeout:     mf.lockTimeout,
	})
	var me *migrate.Error
	switch {
	case err == nil:
		if !mf.dryRun {
			fmt.Fprint(e.stderr, terraformFollowUp(cf.group, cf.to))
		}
		return nil
	case errors.As(err, &me) && me.Kind == migrate.KindConsent:
		return withCode(exitUsage, err)
	case errors.As(err, &me) && me.Kind == migrate.KindRefused:
		return withCode(exitGateFailed, err)
	}
	return withCode(exitToolError, err)
}

// terraformFollowUp is what to change when Terraform manages the group:
// its configuration still names the old instance, and since instance_id
// is ForceNew the next plan would destroy and recreate the group (MIG016).
func terraformFollowUp(group, to string) string {
	return fmt.Sprintf("If Terraform manages group %s, its configuration still names the old instance, and the next plan would destroy and recreate the group (MIG016): set\n"+
		"    instance_id = %q\n"+
		"on its alicloud_api_gateway_group resource, then run terraform apply -refresh-only (or terraform refresh) so that terraform plan shows no change for it.\n", group, to)
}

// promptOn asks on the terminal: the prompt on stderr, one line from
// stdin. The line is read in a goroutine so that a signal (ctx) ends the
// wait at once instead of at the next Enter.
func promptOn(e *env) func(context.Context, string) (string, error) {
	in := bufio.NewReader(e.stdin)
	type answer struct {
		line string
		err  error
	}
	return func(ctx context.Context, prompt string) (string, error) {
		fmt.Fprint(e.stderr, prompt)
		got := make(chan answer, 1)
		go func() {
			line, err := in.ReadString('\n')
			got <- answer{line, err}
		}()
		select {
		case <-ctx.Done():
			fmt.Fprintln(e.stderr)
			return "", ctx.Err()
		case a := <-got:
			if a.err != nil && !(errors.Is(a.err, io.EOF) && a.line != "") {
				fmt.Fprintln(e.stderr)
				return "", a.err
			}
			return strings.TrimRight(a.line, "\r\n"), nil
		}
	}
}

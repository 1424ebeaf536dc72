package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/config"
	"github.com/apigw-preflight/apigw-preflight/migrate"
	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

func runHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight run --group ID --to INSTANCE_ID [flags]
       apigw-preflight run --group ID --to INSTANCE_ID --migrate [--yes] [--dry-run] [flags]

Collect, evaluate and report in one step: what 'collect' followed by 'check'
does, without the intermediate file (keep it with --snapshot-out). Credentials,
region and endpoint work as for 'collect'; the reporting flags as for 'check'.
The configuration file's failOn and rules settings apply unless a flag
(--fail-on, --set or its aliases) sets the same. The formats whose results
point at lines of the snapshot (sarif, github, gitlab) need --snapshot-out
FILE, so that the file they point at exists.

Migrating (--migrate): after the report is written, move the group with
ModifyApiGroupInstance (GroupId, TargetInstanceId, Remark), but only when:
  - the gate passed; otherwise nothing is written and the exit code is 3;
  - no rule of default severity error is undecided ("could not check"):
    a rule that could not decide never counts as passed, so the command
    refuses (exit 3, nothing written) unless each such rule is named in
    --accept-undecided RULE,... (recorded in the audit log);
  - the operator agreed: on a terminal the command shows the group, source,
    destination, the findings and the precautions, and asks you to type the
    group's name; without a terminal --yes is required, and without it
    nothing is written and the exit code is 2;
  - under an exclusive lock on the group, a second collection and
    evaluation, made right before the write, still passes and shows the
    group where the report saw it; if the verdict, the group's InstanceId
    or its MigrationStatus changed, the command refuses (exit 3) and lists
    what changed. The group is read once more right before the write.
    Every waiver that accepted a finding of the report must still be valid
    at the re-check (not expired); the audit log lists them.
One write per group at most: the lock (a file in $XDG_CACHE_HOME or
~/.cache, apigw-preflight/locks/REGION-GROUP.lock) is held from the
re-check to the end of the wait; a second run on the same group waits up
to --lock-timeout (default 30s), then refuses with exit 1, nothing written.
A group already on the destination is reported, nothing is written, and
the exit code is the report's (0 when it passed); a migration already
Running is waited for, never issued again, and so is one the write's answer
(MigrationInProgress) reveals. The write is retried only when throttled;
any other API error code is a rejection. Any other failure (a timeout, a
broken connection, a body cut short, a 5xx) does not tell whether the write
was applied: the group is read a few times instead, and the command says
"not applied" only when the group shows no migration.
The command then polls DescribeApiGroup until InstanceId is the destination
and MigrationStatus is no longer Running (throttling only costs a poll):
Failed or Fail exits 1 quoting MigrationError; past --wait-timeout it exits
1 and says how to check, since the migration may still complete. On success
it collects the group again and prints its new state. The change takes
effect in 1 to 10 minutes as DNS caches expire: do not release a dedicated
source until its traffic has stopped (--watch-drain reports it).
--dry-run prints the exact call (and the aliyun CLI equivalent) and stops.
--audit-log FILE appends an outcome line per attempt, refusals and dry runs
included: time, group, source, destination, verdict, undecided and accepted
rules, consent, request IDs, final status, and the SHA-256 of the snapshot
(as --snapshot-out writes it) and of the report (as -f json=FILE writes it)
that allowed the write, and of the re-check. Before the write it appends an
intent line (status "intent", same attempt ID), synced to disk: if that
fails, the write is not sent (exit 1); if the outcome line fails, the
command says the migration's status, then exits 1. Ctrl-C (SIGINT) or
SIGTERM, at the prompt or later, stops at once with exit 130 or 143 and an
outcome line ("aborted" before the write, "interrupted" after it).
Migration messages go to stderr; stdout carries the report.

Examples:
  apigw-preflight run --group 523e8dc7bbe0 --to apigateway-hz-ab12cd34ef56
  apigw-preflight run --group G --to I --fail-on warning -f text -f sarif=preflight.sarif --snapshot-out snapshot.json
  apigw-preflight run --group G --to I --migrate --dry-run
  apigw-preflight run --group G --to I --migrate --yes --audit-log migrations.jsonl -f json=report.json --snapshot-out snapshot.json

Flags:
%s
%s
%s
%s`, fs.FlagUsages(), formatHelp(), commandExitHelp("run"), migrateExitHelp())
}

func runRun(ctx context.Context, e *env, args []string) error {
	var cf collectFlags
	var rf reportFlags
	var mf migrateFlags
	fs := newFlagSet("run")
	cf.register(fs)
	rf.register(fs)
	snapOut := fs.String("snapshot-out", "", "also write the collected snapshot to `FILE` (atomically)")
	mf.register(fs)
	if err := parseFlags(e, fs, args, runHelp); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("run: unexpected argument %q; run 'apigw-preflight run --help'", fs.Arg(0))
	}
	if *snapOut == "-" {
		return usageErr("--snapshot-out: give a file; stdout carries the report")
	}
	if err := mf.validate(fs); err != nil {
		return err
	}
	cfg, err := cf.loadConfig(fs)
	if err != nil {
		return err
	}
	applyConfigDefaults(fs, &rf, cfg)
	// Every flag is checked before the first cloud call.
	p, err := rf.resolve(e)
	if err != nil {
		return err
	}
	p.quiet = cf.quiet
	if f := p.locating(); f != "" && *snapOut == "" {
		return usageErr("run: -f %s needs --snapshot-out FILE: its results point at lines of the snapshot, so the snapshot must be a file (e.g. --snapshot-out preflight.snapshot.json)", f)
	}
	auditLog := ""
	if mf.migrate {
		auditLog = mf.auditLog
	}
	if err := claimRunOutputs(p, *snapOut, auditLog); err != nil {
		return err
	}
	eng, err := newEngine(ctx, p)
	if err != nil {
		return err
	}
	if mf.migrate {
		if err := mf.checkAcceptUndecided(eng.Rules()); err != nil {
			return err
		}
	}
	var audit *os.File
	if mf.migrate && mf.auditLog != "" {
		if audit, err = migrate.OpenAuditLog(mf.auditLog); err != nil {
			return usageErr("--audit-log: %v", err)
		}
		defer audit.Close()
	}
	pl := &pipeline{e: e, cf: &cf, cfg: cfg, setup: p, engine: eng}
	c, r, err := pl.run(ctx, *snapOut)
	if err != nil {
		return err
	}
	if err := writeReports(ctx, e, p, r); err != nil {
		return err
	}
	if !mf.migrate {
		return exitFor(r)
	}
	first, err := newEvidence(c, r)
	if err != nil {
		return err
	}
	return runMigrate(ctx, e, &cf, &mf, audit, first, pl.recheck)
}

// pipeline is run's collect -> parse -> evaluate -> result step. It makes
// the report and, with --migrate, runs again right before the write so the
// decision rests on state read seconds ago.
type pipeline struct {
	e      *env
	cf     *collectFlags
	cfg    *config.Config
	setup  *reportSetup
	engine *policies.Engine
}

// run collects, writes the snapshot to snapOut when given, and evaluates.
func (pl *pipeline) run(ctx context.Context, snapOut string) (*collected, *report.Result, error) {
	c, err := pl.cf.run(ctx, pl.e, "run", pl.cfg)
	if err != nil {
		return nil, nil, err
	}
	name := "collected snapshot"
	if snapOut != "" {
		if err := writeSnapshot(ctx, pl.e, "--snapshot-out", snapOut, c.raw); err != nil {
			return nil, nil, err
		}
		name = snapOut
	}
	doc, err := snapshot.Parse(name, c.raw)
	if err != nil {
		// The collector wrote something its own contract rejects: a bug,
		// not bad input.
		return nil, nil, withCode(exitToolError, fmt.Errorf("run: the collected snapshot does not validate: %w", err))
	}
	r, err := evaluate(ctx, pl.engine, pl.setup, []*snapshot.Document{doc})
	if err != nil {
		return nil, nil, err
	}
	return c, r, nil
}

// recheck is the pipeline again, as evidence for the migrator; it writes
// no file.
func (pl *pipeline) recheck(ctx context.Context) (*migrate.Evidence, error) {
	c, r, err := pl.run(ctx, "")
	if err != nil {
		return nil, err
	}
	return newEvidence(c, r)
}

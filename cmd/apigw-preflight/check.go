package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/config"
	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/preflight"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
	"github.com/apigw-preflight/apigw-preflight/terraform"
)

func checkHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight check [flags] SNAPSHOT|PLAN...
       apigw-preflight check --collect [flags] PLAN...

Evaluate the built-in rules ('apigw-preflight policies list' shows them) on
snapshot files offline and gate on the findings. Each SNAPSHOT is one pending migration (one API group and
its destination instance) in the apigw-preflight/v1 format; '-' reads standard
input; a directory stands for the *.json files under it, in lexical order
(check DIR replays a directory of snapshots). Inputs are read and evaluated
on --jobs workers (one per CPU by default), keeping each one's findings and
dropping its document, so memory stays flat in the number of inputs; the
report is the same, byte for byte, whatever the number of workers. Every
input is validated before any report is written: one bad file stops the run
with exit 2 and no report is written.

An input that is a Terraform plan (the JSON of terraform show -json PLANFILE,
recognised by its format_version and resource_changes or planned_values; or
given with --terraform-plan FILE) is checked by the plan rules instead: MIG016
fails the gate for every alicloud_api_gateway_group the plan replaces because
its instance_id changes (Terraform would destroy and recreate the group). With
--collect, the full preflight also runs for each such group against its
planned instance_id, reading the cloud with the credentials, region and
endpoint flags as 'collect' does; its findings point at the plan's resource.

--policy adds an organisation's own rules (native rules with METADATA and a
findings set, or unchanged conftest deny/violation/warn policies) and --data
the documents they read; --only and --skip choose the rules that run.

A rule that lacks the data it needs says it could not check: an undecided
warning, failing the gate with --fail-on-undecided when the rule's default
severity is error. A snapshot collected more than --max-age ago gets the tool
finding AGP001 snapshot-stale. The configuration file's allowlists apply to
backends whose allowlist the snapshot leaves unknown (stderr names them).

--waivers FILE (or the configuration file's waivers key) accepts known risks:
a finding a waiver matches (rule, group, destination, key) is reported as
waived and no longer fails the gate. A waiver past its expiry date no longer
applies (AGP002 waiver-expired), one that expires within
--waiver-expiry-warning gives AGP004, one that matched nothing AGP003
(failing the gate with --fail-on-unused-waivers); these point at the
waiver's line. A malformed waiver file, or a waiver the rule's METADATA or
the policy data forbids, is exit 2 naming the file, the line and the field.

Examples:
  apigw-preflight check snapshot.json
  apigw-preflight check --jobs 4 -f json=fleet.json snapshots/
  apigw-preflight check -f text -f sarif=preflight.sarif -f junit=preflight.xml *.json
  terraform show -json plan.out > plan.json && apigw-preflight check --collect -f github plan.json
  aliyun-export | apigw-preflight check --fail-on warning -
  apigw-preflight check --fail-on-undecided --max-age 2d snapshot.json
  apigw-preflight check --waivers waivers.yaml --now 2026-12-01T00:00:00Z snapshot.json
  apigw-preflight check --policy org/policies --data org/data.yaml --skip MIG013 snapshot.json

Flags:
%s
%s
%s`, fs.FlagUsages(), formatHelp(), commandExitHelp("check"))
}

func runCheck(ctx context.Context, e *env, args []string) error {
	var rf reportFlags
	fs := newFlagSet("check")
	rf.register(fs)
	configFile := fs.String("config", "", "configuration `FILE` whose failOn and rules settings apply unless a flag sets the same, and whose allowlists apply to backends the snapshot has none for; default "+config.DefaultConfigFile+" if present")
	planFiles := fs.StringArray("terraform-plan", nil, "read `FILE` as a Terraform plan (terraform show -json), whatever it looks like; repeatable")
	collect := fs.Bool("collect", false, "for each API group a Terraform plan moves by replacing it (MIG016), also collect and check the group against its planned instance_id; needs credentials as 'collect' does")
	// Parallel evaluation.
	jobs := fs.Int("jobs", 0, "evaluate `N` inputs at once; default the number of CPUs the process may use (GOMAXPROCS)")
	var cf collectFlags
	cf.registerCloud(fs, false)
	if err := parseFlags(e, fs, args, checkHelp); err != nil {
		return err
	}
	if *jobs < 0 {
		return usageErr("check: --jobs %d: give a number of workers, 1 or more (0 for one per CPU)", *jobs)
	}
	if !*collect {
		for _, name := range cloudFlags {
			if fs.Changed(name) {
				return usageErr("check: --%s only applies with --collect", name)
			}
		}
	}
	cfg, err := config.LoadConfig(*configFile, fs.Changed("config"))
	if err != nil {
		return usageErr("%v", err)
	}
	applyConfigDefaults(fs, &rf, cfg)
	p, err := rf.resolve(e)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 && len(*planFiles) == 0 {
		return usageErr("check: no snapshot given; usage: apigw-preflight check [flags] SNAPSHOT... ('-' reads stdin)")
	}
	names, err := expandInputs(fs.Args())
	if err != nil {
		return err
	}
	eng, err := newEngine(ctx, p)
	if err != nil {
		return err
	}
	migs, plans, err := loadInputs(ctx, e, eng, cfg, names, *planFiles, *jobs)
	if err != nil {
		return err
	}
	if *collect && len(plans) == 0 {
		return usageErr("check --collect: no Terraform plan given; --collect runs the preflight for the groups a plan moves")
	}
	r, err := evaluateWithPlans(ctx, e, eng, p, migs, plans, *collect, &cf, cfg)
	if err != nil {
		return err
	}
	if err := writeReports(ctx, e, p, r); err != nil {
		return err
	}
	return exitFor(r)
}

// loadInputs reads, validates and evaluates every input on jobs workers
// (preflight.Stream), keeping each snapshot's migration and dropping its
// document: a name in names is a Terraform plan when its content looks
// like one (terraform.LooksLikePlan), a snapshot otherwise; every name in
// planNames is read as a plan. Plans are kept for evaluateWithPlans. All
// bad inputs are named, then the run stops with exit 2 before any report
// is written. The configuration's allowlists fill in the backends a
// snapshot has none for; stderr names them, in input order, once every
// input is valid.
func loadInputs(ctx context.Context, e *env, eng *policies.Engine, cfg *config.Config, names, planNames []string, jobs int) ([]report.Migration, []*terraform.Plan, error) {
	all := append(slices.Clone(names), planNames...)
	stdinUsed := false
	for _, n := range all {
		if n == "-" {
			if stdinUsed {
				return nil, nil, usageErr("'-' (standard input) can be given only once")
			}
			stdinUsed = true
		}
	}
	plans := make([]*terraform.Plan, len(all))
	kinds := make([]string, len(all)) // what a bad input was read as
	notes := make([]string, len(all))
	migs, loadErrs, err := preflight.Stream(ctx, eng, len(all), jobs, func(i int) (*snapshot.Document, error) {
		n := all[i]
		asPlan := i >= len(names)
		kinds[i] = "snapshot"
		if asPlan {
			kinds[i] = "Terraform plan"
		}
		raw, err := snapshot.ReadInput(n, e.stdin, kinds[i])
		if err != nil {
			return nil, err
		}
		if asPlan || terraform.LooksLikePlan(raw) {
			kinds[i] = "Terraform plan"
			plans[i], err = terraform.Parse(n, raw)
			return nil, err
		}
		d, err := snapshot.Parse(n, raw)
		if err != nil {
			return nil, err
		}
		for _, note := range d.Notes { // sections of a newer release, ignored
			notes[i] += fmt.Sprintf("check: note: %s\n", note)
		}
		if filled := applyConfigAllowlists(cfg, d); len(filled) > 0 {
			notes[i] += fmt.Sprintf("check: %s: %s without an allowlist in the snapshot take the allowlist of %s: %s\n",
				d.Name, countNoun(len(filled), "backend"), cfg.Path, strings.Join(filled, ", "))
		}
		return d, nil
	})
	var bad []string
	badKinds := map[string]bool{}
	for i, err := range loadErrs {
		if err == nil {
			continue
		}
		var ie *snapshot.InputError
		if !errors.As(err, &ie) {
			return nil, nil, withCode(exitToolError, err)
		}
		bad = append(bad, err.Error())
		badKinds[kinds[i]] = true
	}
	switch {
	case len(bad) == 0:
	case len(bad) == 1 && badKinds["snapshot"]:
		return nil, nil, usageErr("invalid snapshot: %s", bad[0])
	case len(bad) == 1:
		return nil, nil, usageErr("invalid Terraform plan: %s", bad[0])
	case len(badKinds) == 1 && badKinds["snapshot"]:
		return nil, nil, usageErr("%d invalid snapshots:\n  %s", len(bad), strings.Join(bad, "\n  "))
	default:
		return nil, nil, usageErr("%d invalid inputs:\n  %s", len(bad), strings.Join(bad, "\n  "))
	}
	if err != nil {
		return nil, nil, withCode(exitToolError, err)
	}
	var snaps []report.Migration
	var ps []*terraform.Plan
	for i := range all {
		if plans[i] != nil {
			ps = append(ps, plans[i])
			continue
		}
		fmt.Fprint(e.stderr, notes[i])
		snaps = append(snaps, migs[i])
	}
	return snaps, ps, nil
}

// expandInputs replaces every directory among names with the *.json files
// under it, walked in lexical order (subdirectories included), so that
// 'check DIR' reads a directory of snapshots in a stable order. A
// directory with no such file is a usage error.
func expandInputs(names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		st, err := os.Stat(n)
		if n == "-" || err != nil || !st.IsDir() {
			out = append(out, n) // reading it says what is wrong
			continue
		}
		before := len(out)
		err = filepath.WalkDir(n, func(p string, d iofs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".json") {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, usageErr("check: read directory %s: %v", n, bare(err))
		}
		if len(out) == before {
			return nil, usageErr("check: directory %s holds no *.json snapshot; give snapshot files or a directory of them", n)
		}
	}
	return out, nil
}

// evaluateWithPlans adds to the snapshots' migrations each plan's,
// evaluated with the plan rules, and with --collect those of the groups it
// replaces (collectPlanned); the exit code is recorded as evaluate does.
func evaluateWithPlans(ctx context.Context, e *env, eng *policies.Engine, s *reportSetup, migs []report.Migration, plans []*terraform.Plan, collect bool, cf *collectFlags, cfg *config.Config) (*report.Result, error) {
	for _, pl := range plans {
		m, err := preflight.EvaluatePlan(ctx, eng, pl)
		if err != nil {
			return nil, withCode(exitToolError, err)
		}
		migs = append(migs, m)
		if collect {
			more, err := collectPlanned(ctx, e, cf, cfg, eng, pl, m)
			if err != nil {
				return nil, err
			}
			migs = append(migs, more...)
		}
	}
	r := preflight.NewResult(eng, migs, preflightOptions(s))
	pinTimes(s, r)
	r.ExitCode = verdictExit(r.Verdict())
	return r, nil
}

// collectPlanned runs the preflight for every API group the plan's
// findings name (MIG016: replaced because instance_id changes), against
// the planned instance_id: collect, then evaluate. The migrations it
// returns point at the plan (their input), their findings at the line of
// the group's resource change, since the snapshot they were made from is
// not kept. A group whose ID or new instance is known only after apply is
// named on stderr and skipped: MIG016 fails the gate for it anyway.
func collectPlanned(ctx context.Context, e *env, cf *collectFlags, cfg *config.Config, eng *policies.Engine, pl *terraform.Plan, m report.Migration) ([]report.Migration, error) {
	var out []report.Migration
	done := map[string]bool{}
	for _, f := range m.Findings {
		g, ok := pl.Group(f.Resource.ID)
		if !ok || done[g.Address] {
			continue
		}
		done[g.Address] = true
		switch {
		case g.GroupID == "":
			fmt.Fprintf(e.stderr, "check --collect: %s: no preflight, the group's ID is known only after apply\n", g.Address)
			continue
		case g.To == "":
			fmt.Fprintf(e.stderr, "check --collect: %s: no preflight, its new instance_id is known only after apply\n", g.Address)
			continue
		}
		cf.group, cf.to = g.GroupID, g.To
		c, err := cf.run(ctx, e, "check --collect", cfg)
		if err != nil {
			return nil, err
		}
		doc, err := snapshot.Parse("collected snapshot of "+g.Address, c.raw)
		if err != nil {
			return nil, withCode(exitToolError, fmt.Errorf("check --collect: the collected snapshot does not validate: %w", err))
		}
		cm, err := preflight.Evaluate(ctx, eng, doc)
		if err != nil {
			return nil, withCode(exitToolError, err)
		}
		cm.Input = pl.Name
		line := pl.Lines.Line([]string{"resource_changes", strconv.Itoa(g.Index)})
		for i := range cm.Findings {
			cm.Findings[i].Line, cm.Findings[i].Path = line, nil
		}
		out = append(out, cm)
	}
	return out, nil
}

// applyConfigAllowlists gives every backend of doc whose allowlist the
// snapshot leaves unknown (null or absent) the allowlist of the
// configuration's first matching entry, as collect and run do while
// collecting (config.Config.AllowlistFor). A backend with an allowlist,
// even an empty one, keeps it. It returns the backends filled in, as
// "host (allowlists[i], line n)", in snapshot order.
func applyConfigAllowlists(cfg *config.Config, doc *snapshot.Document) []string {
	if cfg == nil || len(cfg.Allowlists) == 0 {
		return nil
	}
	backends, _ := doc.Value["backends"].([]any)
	var filled []string
	for _, item := range backends {
		b, ok := item.(map[string]any)
		if !ok || b["allowlist"] != nil {
			continue
		}
		host, _ := b["host"].(string)
		var ips []string
		if list, ok := b["ips"].([]any); ok {
			for _, ip := range list {
				if s, ok := ip.(string); ok {
					ips = append(ips, s)
				}
			}
		}
		allow := cfg.AllowlistFor(host, ips)
		if allow == nil {
			continue
		}
		vals := make([]any, len(allow))
		for i, a := range allow {
			vals[i] = a
		}
		b["allowlist"] = vals
		name := host
		if name == "" {
			name, _ = b["address"].(string)
		}
		filled = append(filled, fmt.Sprintf("%s (%s)", name, matchedEntry(cfg, host, ips)))
	}
	return filled
}

// matchedEntry names the configuration entry AllowlistFor chose.
func matchedEntry(cfg *config.Config, host string, ips []string) string {
	for i, e := range cfg.Allowlists {
		one := &config.Config{Allowlists: []config.AllowlistEntry{e}}
		if one.AllowlistFor(host, ips) != nil {
			return fmt.Sprintf("allowlists[%d], match %q, line %d", i, e.Match, e.Line)
		}
	}
	return "no entry"
}

func countNoun(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

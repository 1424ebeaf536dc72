package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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
input. Every input is validated before anything is evaluated: one bad file
stops the run with exit 2 and no report is written.

An input that is a Terraform plan (the JSON of terraform show -json PLANFILE,
recognised by its format_version and resource_changes or planned_values; or
given with --terraform-plan FILE) is checked by the plan rules instead: MIG016
fails the gate for every alicloud_api_gateway_group the plan replaces because
its instance_id changes (Terraform would destroy and recreate the group). With
--collect, the full preflight also runs for each such group against its
planned instance_id, reading the cloud with the credentials, region and
endpoint flags as 'collect' does; its findings point at the plan's resource.

A rule that lacks the data it needs says it could not check: an undecided
warning, failing the gate with --fail-on-undecided when the rule's default
severity is error. A snapshot collected more than --max-age ago gets the tool
finding AGP001 snapshot-stale. The configuration file's allowlists apply to
backends whose allowlist the snapshot leaves unknown (stderr names them).

Examples:
  apigw-preflight check snapshot.json
  apigw-preflight check -f text -f sarif=preflight.sarif -f junit=preflight.xml *.json
  terraform show -json plan.out > plan.json && apigw-preflight check --collect -f github plan.json
  aliyun-export | apigw-preflight check --fail-on warning -
  apigw-preflight check --fail-on-undecided --max-age 2d snapshot.json

Flags:
%s
%s
%s`, fs.FlagUsages(), formatHelp(), exitCodeHelp())
}

func runCheck(ctx context.Context, e *env, args []string) error {
	var rf reportFlags
	fs := newFlagSet("check")
	rf.register(fs)
	configFile := fs.String("config", "", "configuration `FILE` whose failOn and rules settings apply unless a flag sets the same, and whose allowlists apply to backends the snapshot has none for; default "+config.DefaultConfigFile+" if present")
	planFiles := fs.StringArray("terraform-plan", nil, "read `FILE` as a Terraform plan (terraform show -json), whatever it looks like; repeatable")
	collect := fs.Bool("collect", false, "for each API group a Terraform plan moves by replacing it (MIG016), also collect and check the group against its planned instance_id; needs credentials as 'collect' does")
	var cf collectFlags
	cf.registerCloud(fs, false)
	if err := parseFlags(e, fs, args, checkHelp); err != nil {
		return err
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
	docs, plans, err := loadInputs(e, fs.Args(), *planFiles)
	if err != nil {
		return err
	}
	if *collect && len(plans) == 0 {
		return usageErr("check --collect: no Terraform plan given; --collect runs the preflight for the groups a plan moves")
	}
	for _, d := range docs {
		if filled := applyConfigAllowlists(cfg, d); len(filled) > 0 {
			fmt.Fprintf(e.stderr, "check: %s: %s without an allowlist in the snapshot take the allowlist of %s: %s\n",
				d.Name, countNoun(len(filled), "backend"), cfg.Path, strings.Join(filled, ", "))
		}
	}
	eng, err := newEngine(ctx, p)
	if err != nil {
		return err
	}
	var r *report.Result
	if len(plans) == 0 {
		if r, err = evaluate(ctx, eng, p, docs); err != nil {
			return err
		}
	} else if r, err = evaluateWithPlans(ctx, e, eng, p, docs, plans, *collect, &cf, cfg); err != nil {
		return err
	}
	if err := writeReports(ctx, e, p, r); err != nil {
		return err
	}
	return exitFor(r)
}

// loadInputs reads and validates every input before any is evaluated: a
// name in names is a Terraform plan when its content looks like one
// (terraform.LooksLikePlan), a snapshot otherwise; every name in planNames
// is read as a plan. All bad inputs are named, then the run stops with
// exit 2.
func loadInputs(e *env, names, planNames []string) ([]*snapshot.Document, []*terraform.Plan, error) {
	stdinUsed := false
	var docs []*snapshot.Document
	var plans []*terraform.Plan
	var bad []string
	kinds := map[string]bool{} // what the bad inputs were read as
	all := append(slices.Clone(names), planNames...)
	for i, n := range all {
		if n == "-" {
			if stdinUsed {
				return nil, nil, usageErr("'-' (standard input) can be given only once")
			}
			stdinUsed = true
		}
		asPlan := i >= len(names)
		what := "snapshot"
		if asPlan {
			what = "Terraform plan"
		}
		raw, err := snapshot.ReadInput(n, e.stdin, what)
		if err == nil {
			if asPlan || terraform.LooksLikePlan(raw) {
				what = "Terraform plan"
				var p *terraform.Plan
				if p, err = terraform.Parse(n, raw); err == nil {
					plans = append(plans, p)
				}
			} else {
				var d *snapshot.Document
				if d, err = snapshot.Parse(n, raw); err == nil {
					docs = append(docs, d)
					for _, note := range d.Notes { // sections of a newer release, ignored
						fmt.Fprintf(e.stderr, "check: note: %s\n", note)
					}
				}
			}
		}
		if err != nil {
			var ie *snapshot.InputError
			if !errors.As(err, &ie) {
				return nil, nil, withCode(exitToolError, err)
			}
			bad = append(bad, err.Error())
			kinds[what] = true
		}
	}
	switch {
	case len(bad) == 0:
		return docs, plans, nil
	case len(bad) == 1 && kinds["snapshot"]:
		return nil, nil, usageErr("invalid snapshot: %s", bad[0])
	case len(bad) == 1:
		return nil, nil, usageErr("invalid Terraform plan: %s", bad[0])
	case len(kinds) == 1 && kinds["snapshot"]:
		return nil, nil, usageErr("%d invalid snapshots:\n  %s", len(bad), strings.Join(bad, "\n  "))
	}
	return nil, nil, usageErr("%d invalid inputs:\n  %s", len(bad), strings.Join(bad, "\n  "))
}

// evaluateWithPlans evaluates the snapshots, then each plan with the plan
// rules and, with --collect, the groups it replaces (collectPlanned); the
// exit code is recorded as evaluate does.
func evaluateWithPlans(ctx context.Context, e *env, eng *policies.Engine, s *reportSetup, docs []*snapshot.Document, plans []*terraform.Plan, collect bool, cf *collectFlags, cfg *config.Config) (*report.Result, error) {
	migs := make([]report.Migration, 0, len(docs)+len(plans))
	for _, d := range docs {
		m, err := preflight.Evaluate(ctx, eng, d)
		if err != nil {
			return nil, withCode(exitToolError, err)
		}
		migs = append(migs, m)
	}
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

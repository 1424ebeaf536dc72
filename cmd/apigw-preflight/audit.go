package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/collector"
	"github.com/apigw-preflight/apigw-preflight/config"
	"github.com/apigw-preflight/apigw-preflight/fleet"
	"github.com/apigw-preflight/apigw-preflight/preflight"
)

func auditHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight audit --plan FILE [flags]
       apigw-preflight audit --region R --all-groups --to I1,I2|dedicated [flags]
       apigw-preflight audit --from DIR [--plan FILE] [flags]

Audit many pending migrations at once. Each (group, destination) pair of the
plan is collected and evaluated with every rule, as 'run' does for one pair;
then the fleet rules (MIG017 plan-capacity, and organisations' rules under
data.apigw.fleet) see the whole plan once.

The plan (--plan FILE, YAML or JSON):
  region: cn-hangzhou
  migrations:
    - group: 523e8dc7bbe04613b5b1d726c2a7889d   # ID, or the group's name
      to: [apigateway-hz-3f9a1c7e2b84, apigateway-hz-8d2e6b1f0c57]
      region: cn-shanghai                      # optional, per group
The first destination of each group is the planned one; the others are
candidates, evaluated for the placement matrix but never failing the gate.
Or --all-groups: every group of --region (DescribeApiGroups), each onto the
instances of --to (a list, or "dedicated": every dedicated instance of the
region), the group's own instance left out.

Collection is polite: --concurrency groups at once, every call under one
rate limit (--max-rps) that halves for everyone when the cloud answers
Throttling and grows back when it stops; each distinct read (an instance
with its network interfaces, a security group, a group for several
destinations, a destination's load) is made once per audit. A pair that
cannot be collected is reported as such (an error record, rule
"collection") and the audit goes on. The reporting flags work as for
'check'; the text report ends with the placement matrix, the json report
holds it as "placements".

Snapshots and shards: --snapshots DIR keeps one snapshot per pair
(REGION_GROUP_DESTINATION.json) and the plan (audit-plan.json); a snapshot
there collected no more than --max-age before --now is used instead of
reading the cloud, so an interrupted audit resumes. --shard K/N audits a
deterministic part of the plan (by a hash of region and group), so N jobs
can share one DIR; 'audit --from DIR' then builds the report of the whole
plan from the directory without cloud calls, fleet rules included.

Progress goes to stderr: a live line on a terminal, a plain line every 10s
otherwise; --quiet silences it.

Exit codes as for 'check': 3 when a planned migration fails the gate, 1 when
a planned pair could not be collected or evaluated (after the reports are
written), 2 for a bad flag or plan (file:line).

Flags:
%s
%s
%s`, fs.FlagUsages(), formatHelp(), exitCodeHelp())
}

// auditFlags are audit's own flags.
type auditFlags struct {
	plan        string
	allGroups   bool
	to          string
	concurrency int
	maxRPS      float64
	snapshots   string
	shard       string
	from        string
}

// clock is the time collections are made at (collect, run, audit); tests
// pin it to compare collections made seconds apart.
var clock = time.Now

func (af *auditFlags) register(fs *pflag.FlagSet) {
	// The audit's inputs and collection.
	fs.StringVar(&af.plan, "plan", "", "audit the plan in `FILE` (YAML or JSON)")
	fs.BoolVar(&af.allGroups, "all-groups", false, "audit every group of --region onto the instances of --to")
	fs.StringVar(&af.to, "to", "", "with --all-groups: destination `INSTANCES`, comma-separated (the first is the planned one), or \"dedicated\" for every dedicated instance of the region")
	fs.IntVar(&af.concurrency, "concurrency", 4, "collect and evaluate `N` groups at once")
	fs.Float64Var(&af.maxRPS, "max-rps", 10, "send at most `N` cloud calls per second, shared by every worker; halved while the cloud throttles")
	fs.StringVar(&af.snapshots, "snapshots", "", "keep one snapshot per pair in `DIR` and reuse those younger than --max-age")
	fs.StringVar(&af.shard, "shard", "", "audit only part `K/N` of the plan (deterministic by region and group), e.g. 2/4")
	fs.StringVar(&af.from, "from", "", "build the report from the snapshots in `DIR` (written by --snapshots), without cloud calls")
}

func runAudit(ctx context.Context, e *env, args []string) error {
	var cf collectFlags
	var rf reportFlags
	var af auditFlags
	fs := newFlagSet("audit")
	af.register(fs)
	cf.registerCloud(fs, true)
	rf.register(fs)
	if err := parseFlags(e, fs, args, auditHelp); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("audit: unexpected argument %q; run 'apigw-preflight audit --help'", fs.Arg(0))
	}
	if err := af.validate(fs); err != nil {
		return err
	}
	cfg, err := cf.loadConfig(fs)
	if err != nil {
		return err
	}
	applyConfigDefaults(fs, &rf, cfg)
	p, err := rf.resolve(e)
	if err != nil {
		return err
	}
	p.quiet = cf.quiet
	if f := p.locating(); f != "" && af.snapshots == "" && af.from == "" {
		return usageErr("audit: -f %s needs --snapshots DIR or --from DIR: its results point at lines of the snapshots, so they must be files", f)
	}
	shard := fleet.Shard{K: 1, N: 1}
	if af.shard != "" {
		if shard, err = fleet.ParseShard(af.shard); err != nil {
			return usageErr("--shard %v", err)
		}
	}
	req, err := cf.auditRequest(cfg)
	if err != nil {
		return err
	}
	if err := claimRunOutputs(p, "", ""); err != nil {
		return err
	}
	// The plan, from a file or the directory, before the first cloud call.
	var plan *fleet.Plan
	planFile := af.plan
	if af.from != "" && planFile == "" {
		planFile = filepath.Join(af.from, fleet.PlanFile)
	}
	if planFile != "" {
		if plan, err = loadPlan(planFile); err != nil {
			return err
		}
	}
	dir := af.snapshots
	if af.from != "" {
		dir = af.from
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return usageErr("--from %s: not a directory", dir)
		}
	}
	eng, err := newEngine(ctx, p)
	if err != nil {
		return err
	}
	// One collection time for every pair: one QPS window, so each
	// destination's load is read once. (--now sets the evaluation time.)
	now := clock().UTC().Truncate(time.Second)

	lim := cloud.NewLimiter(cloud.LimiterOptions{MaxRPS: af.maxRPS})
	readers := &regionReaders{cf: &cf, lim: lim, n: af.concurrency, made: map[string]*cloud.Shared{}}
	if af.allGroups {
		if plan, err = allGroupsPlan(ctx, readers, cf.region, cf.profile, af.to); err != nil {
			return err
		}
	}
	if af.snapshots != "" {
		if err := os.MkdirAll(af.snapshots, 0o755); err != nil {
			return usageErr("--snapshots %s: %v", af.snapshots, bare(err))
		}
		raw, err := plan.Marshal()
		if err == nil {
			err = fleet.WriteFileAtomic(filepath.Join(af.snapshots, fleet.PlanFile), raw)
		}
		if err != nil {
			return withCode(exitToolError, fmt.Errorf("--snapshots: keep the plan: %w", err))
		}
	}
	part := plan.Select(shard)
	opts := fleet.Options{
		Engine:      eng,
		Concurrency: af.concurrency,
		Request:     req,
		Now:         now,
		Timeout:     cf.timeout,
		SnapshotDir: dir,
		MaxAge:      p.maxAge,
		FromDir:     af.from != "",
	}
	if af.from == "" {
		opts.Reader = readers.get
	}
	var stop func()
	if !cf.quiet {
		opts.Progress = fleet.NewProgress(lim.Stats)
		stop = opts.Progress.Show(ctx, e.stderr, e.stderrTTY, 10*time.Second)
	}
	out, err := fleet.Run(ctx, part, opts)
	if stop != nil {
		stop()
	}
	if err != nil {
		if ctx.Err() != nil {
			return withCode(exitToolError, errors.New("audit: interrupted; nothing was written (the kept snapshots stay)"))
		}
		return withCode(exitToolError, fmt.Errorf("audit: %w", err))
	}
	r := preflight.NewResult(eng, out.Migrations, preflightOptions(p))
	r.ExitCode = verdictExit(r.Verdict())
	if err := writeReports(ctx, e, p, r); err != nil {
		return err
	}
	if !cf.quiet {
		st := lim.Stats()
		fmt.Fprintf(e.stderr, "audit: %d pairs of %d groups: %d collected, %d from kept snapshots, %d could not be read; %d cloud calls, %d answered from earlier reads, %d throttled\n",
			len(part.Pairs()), len(part.Migrations), out.Collected, out.Reused, out.Failed, st.Sent, st.Hits, st.Throttles)
	}
	return exitFor(r)
}

func (af *auditFlags) validate(fs *pflag.FlagSet) error {
	switch {
	case af.from != "" && af.allGroups:
		return usageErr("audit: --from reads a snapshots directory; --all-groups lists the cloud: give one")
	case af.from != "" && af.snapshots != "":
		return usageErr("audit: --from DIR reads the snapshots of DIR; --snapshots is for collecting")
	case af.from == "" && af.plan == "" && !af.allGroups:
		return usageErr("audit: give --plan FILE, --all-groups --region R --to INSTANCES, or --from DIR; run 'apigw-preflight audit --help'")
	case af.plan != "" && af.allGroups:
		return usageErr("audit: --plan and --all-groups both say what to audit: give one")
	case af.allGroups && af.to == "":
		return usageErr("audit --all-groups: --to is required (instance IDs, or dedicated)")
	case af.to != "" && !af.allGroups:
		return usageErr("audit: --to applies with --all-groups; a plan file names each group's destinations")
	case af.concurrency < 1 || af.concurrency > 64:
		return usageErr("--concurrency %d: want 1 to 64", af.concurrency)
	case af.maxRPS <= 0 || af.maxRPS > 1000:
		return usageErr("--max-rps %v: want a rate above 0 and at most 1000 calls per second", af.maxRPS)
	}
	if af.from != "" {
		for _, name := range cloudFlags {
			if fs.Changed(name) && name != "quiet" {
				return usageErr("audit --from: --%s applies to collecting; --from makes no cloud call", name)
			}
		}
		for _, name := range []string{"concurrency", "max-rps", "shard"} {
			if fs.Changed(name) {
				return usageErr("audit --from: --%s applies to collecting; --from makes no cloud call", name)
			}
		}
	}
	return nil
}

// loadPlan reads and validates a plan file (exit 2 when bad).
func loadPlan(name string) (*fleet.Plan, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, usageErr("plan %s: %v", name, bare(err))
	}
	plan, err := fleet.ParsePlan(name, raw)
	if err != nil {
		return nil, usageErr("plan %v", err)
	}
	return plan, nil
}

// auditRequest is the collection template: the collect flags' stage,
// lookback and limits.
func (cf *collectFlags) auditRequest(cfg *config.Config) (collector.Request, error) {
	stage, err := parseStage(cf.stage)
	if err != nil {
		return collector.Request{}, err
	}
	lookback := cfg.Lookback
	if cf.lookback != "" {
		d, err := config.ParseLookback(cf.lookback)
		if err != nil {
			return collector.Request{}, usageErr("--lookback: %v", err)
		}
		lookback = d
	}
	if cf.maxAPIs <= 0 {
		return collector.Request{}, usageErr("--max-apis %d: want a number above 0", cf.maxAPIs)
	}
	if cf.timeout <= 0 {
		return collector.Request{}, usageErr("--timeout %s: want a duration above 0, like 10m", cf.timeout)
	}
	if _, err := parseSize(cf.maxResponse); err != nil {
		return collector.Request{}, usageErr("--max-response-size %v", err)
	}
	return collector.Request{Stage: stage, Lookback: lookback, Config: cfg, Version: toolVersion(), MaxAPIs: cf.maxAPIs}, nil
}

// regionReaders makes one shared reader per region on first use: a pool
// of clients (one per worker) under the audit's one limiter.
type regionReaders struct {
	cf  *collectFlags
	lim *cloud.Limiter
	n   int

	mu   sync.Mutex
	made map[string]*cloud.Shared
}

func (rr *regionReaders) get(region string) (fleet.Reader, error) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if s, ok := rr.made[region]; ok {
		return s, nil
	}
	maxResponse, err := parseSize(rr.cf.maxResponse)
	if err != nil {
		return nil, err
	}
	clients := make([]cloud.API, rr.n)
	for i := range clients {
		c, err := cloud.NewClient(cloud.ClientOptions{
			RegionID:         region,
			Profile:          rr.cf.profile,
			Endpoint:         rr.cf.endpoint,
			UserAgent:        "apigw-preflight/" + toolVersion(),
			MaxResponseBytes: maxResponse,
			InsecureEndpoint: rr.cf.insecure,
		})
		if err != nil {
			return nil, fmt.Errorf("--endpoint: %v", err)
		}
		clients[i] = c
	}
	s := cloud.NewShared(cloud.NewPool(clients...), rr.lim)
	rr.made[region] = s
	return s, nil
}

// allGroupsPlan lists the region's groups and the destinations of --to.
func allGroupsPlan(ctx context.Context, rr *regionReaders, regionFlag, profile, to string) (*fleet.Plan, error) {
	region, _, err := cloud.ResolveRegion(regionFlag, profile)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	api, err := rr.get(region)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	var dests []string
	if strings.EqualFold(strings.TrimSpace(to), "dedicated") {
		if dests, err = fleet.DedicatedInstances(ctx, api); err != nil {
			return nil, withCode(exitToolError, fmt.Errorf("audit: list the dedicated instances: %w", err))
		}
		if len(dests) == 0 {
			return nil, withCode(exitToolError, fmt.Errorf("audit: region %s has no dedicated instance to audit onto", region))
		}
	} else {
		for _, d := range strings.Split(to, ",") {
			if d = strings.TrimSpace(d); d != "" && !slices.Contains(dests, d) {
				dests = append(dests, d)
			}
		}
		if len(dests) == 0 {
			return nil, usageErr("--to %q: give instance IDs, comma-separated, or dedicated", to)
		}
	}
	plan := &fleet.Plan{Name: "audit", Region: region}
	err = fleet.ListGroups(ctx, api, nil, func(g fleet.Group) {
		var own []string
		for _, d := range dests {
			if d != g.InstanceID {
				own = append(own, d)
			}
		}
		if len(own) > 0 {
			plan.Migrations = append(plan.Migrations, fleet.Entry{Group: g.ID, To: own})
		}
	})
	if err != nil {
		return nil, withCode(exitToolError, fmt.Errorf("audit: list the groups of %s: %w", region, err))
	}
	if len(plan.Migrations) == 0 {
		return nil, withCode(exitToolError, fmt.Errorf("audit: region %s has no group to move onto %s", region, strings.Join(dests, ", ")))
	}
	return plan, nil
}

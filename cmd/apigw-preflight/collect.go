package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/collector"
)

// collectFlags are the flags of a live collection, shared by collect and run.
type collectFlags struct {
	group, to        string
	region, profile  string
	endpoint, config string
	stage, lookback  string
	quiet            bool
}

func (cf *collectFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&cf.group, "group", "", "`ID` of the API group to move (required)")
	fs.StringVar(&cf.to, "to", "", "`INSTANCE_ID` of the destination instance (required)")
	fs.StringVar(&cf.region, "region", "", "region `ID`; default ALIBABA_CLOUD_REGION_ID, else the CLI profile's region_id")
	fs.StringVar(&cf.profile, "profile", "", "use profile `NAME` of ~/.aliyun/config.json (only it, not the environment keys)")
	fs.StringVar(&cf.endpoint, "endpoint", "", "send every call to `URL` (e.g. http://127.0.0.1:8080 for the emulator); default the regional HTTPS endpoints")
	fs.StringVar(&cf.config, "config", "", "configuration `FILE` (allowlists, defaults); default "+collector.DefaultConfigFile+" if present")
	fs.StringVar(&cf.stage, "stage", "RELEASE", "`STAGE` whose deployed backends and traffic are read: RELEASE, PRE or TEST")
	fs.StringVar(&cf.lookback, "lookback", "", "QPS look-back `WINDOW`, a duration (168h) or days (7d); default the config's lookback, else 7d")
	fs.BoolVarP(&cf.quiet, "quiet", "q", false, "no progress or notes on stderr")
}

// collected is a finished collection.
type collected struct {
	snap   *collector.Snapshot
	raw    []byte // the snapshot as written
	config *collector.Config
}

// loadConfig reads the configuration file: the one named by --config, or
// the default file when it exists. A bad file is a usage error.
func (cf *collectFlags) loadConfig(fs *pflag.FlagSet) (*collector.Config, error) {
	cfg, err := collector.LoadConfig(cf.config, fs.Changed("config"))
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return cfg, nil
}

// run validates the flags, reads the cloud and returns the snapshot.
// Flag problems are usage errors (exit 2); failed essential reads and
// rejected credentials are tool errors (exit 1).
func (cf *collectFlags) run(ctx context.Context, e *env, name string, cfg *collector.Config) (*collected, error) {
	if cf.group == "" || cf.to == "" {
		return nil, usageErr("%s: --group and --to are required; run 'apigw-preflight %s --help'", name, name)
	}
	stage := strings.ToUpper(cf.stage)
	if stage != "RELEASE" && stage != "PRE" && stage != "TEST" {
		return nil, usageErr("--stage %q: want RELEASE, PRE or TEST", cf.stage)
	}
	var lookback = cfg.Lookback
	if cf.lookback != "" {
		d, err := collector.ParseLookback(cf.lookback)
		if err != nil {
			return nil, usageErr("--lookback: %v", err)
		}
		lookback = d
	}
	client, region, err := cf.client()
	if err != nil {
		return nil, err
	}
	var progress collector.Progress
	if !cf.quiet && e.stderrTTY {
		progress = collector.ProgressTo(e.stderr, "  ")
	}
	snap, err := collector.Collect(ctx, client, collector.Request{
		GroupID:          cf.group,
		TargetInstanceID: cf.to,
		RegionID:         region,
		Stage:            stage,
		Lookback:         lookback,
		Config:           cfg,
		Progress:         progress,
		Version:          toolVersion(),
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, withCode(exitToolError, fmt.Errorf("%s: interrupted", name))
		}
		return nil, withCode(exitToolError, fmt.Errorf("%s: %w", name, err))
	}
	raw, err := snap.Marshal()
	if err != nil {
		return nil, withCode(exitToolError, fmt.Errorf("%s: render snapshot: %w", name, err))
	}
	if !cf.quiet && len(snap.CollectionErrors) > 0 {
		var calls []string
		for _, ce := range snap.CollectionErrors {
			calls = append(calls, ce.Call+" ("+ce.Code+")")
		}
		fmt.Fprintf(e.stderr, "apigw-preflight: %d read(s) failed and are recorded in the snapshot's collectionErrors: %s\n",
			len(calls), strings.Join(calls, ", "))
	}
	return &collected{snap: snap, raw: raw, config: cfg}, nil
}

// client builds the SDK-backed client from the region, profile and
// endpoint flags. Bad values are usage errors.
func (cf *collectFlags) client() (*collector.Client, string, error) {
	region, _, err := collector.ResolveRegion(cf.region, cf.profile)
	if err != nil {
		return nil, "", usageErr("%v", err)
	}
	client, err := collector.NewClient(collector.ClientOptions{
		RegionID:  region,
		Profile:   cf.profile,
		Endpoint:  cf.endpoint,
		UserAgent: "apigw-preflight/" + toolVersion(),
	})
	if err != nil {
		return nil, "", usageErr("--endpoint: %v", err)
	}
	return client, region, nil
}

func collectHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight collect --group ID --to INSTANCE_ID [flags]

Read an API group, the instance it runs on and the destination instance from
Alibaba Cloud (read-only calls: CloudAPI Describe*, ECS DescribeSecurityGroup*)
and write the snapshot that 'check' evaluates. Reads the rules can live without
(APIs and backends, QPS, security groups) are recorded in collectionErrors when
they fail; a failed read of the group or an instance stops with exit 1.
Throttling and transient errors are retried with backoff.

Credentials come from the Alibaba Cloud SDK's default chain: environment
variables ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET
(/ ALIBABA_CLOUD_SECURITY_TOKEN), OIDC, the profile of ~/.aliyun/config.json
named by ALIBABA_CLOUD_PROFILE or marked current, ~/.alibabacloud/credentials,
the ECS RAM role. --profile NAME uses that profile only.

Examples:
  apigw-preflight collect --group 523e8dc7bbe0 --to apigateway-hz-ab12cd34ef56 -o snapshot.json
  apigw-preflight collect --profile prod --region cn-hangzhou --group G --to I > snapshot.json

Flags:
%s
%s`, fs.FlagUsages(), exitCodeHelp())
}

func runCollect(ctx context.Context, e *env, args []string) error {
	var cf collectFlags
	fs := newFlagSet("collect")
	cf.register(fs)
	out := fs.StringP("output", "o", "", "write the snapshot to `FILE` (atomically); default stdout")
	if err := parseFlags(e, fs, args, collectHelp); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("collect: unexpected argument %q; run 'apigw-preflight collect --help'", fs.Arg(0))
	}
	if _, err := resolveOutput("--output", "snapshot", *out); err != nil {
		return err
	}
	cfg, err := cf.loadConfig(fs)
	if err != nil {
		return err
	}
	c, err := cf.run(ctx, e, "collect", cfg)
	if err != nil {
		return err
	}
	return writeSnapshot(ctx, e, "--output", *out, c.raw)
}

// checkOutputDir fails early, before any cloud call, when file cannot be
// written because its directory is missing.
func checkOutputDir(flag, file string) error {
	if file == "" || file == "-" {
		return nil
	}
	if err := dirExists(file); err != nil {
		return usageErr("%s %s: %v", flag, file, err)
	}
	return nil
}

// writeSnapshot writes the snapshot to file ("" or "-" for stdout) by the
// rules of writeOutputs: atomically over a regular file, in place on a
// device or FIFO; flag names the option in messages.
func writeSnapshot(ctx context.Context, e *env, flag, file string, raw []byte) error {
	t, err := resolveOutput(flag, "snapshot", file)
	if err != nil {
		return err
	}
	return writeOne(ctx, e, t, raw)
}

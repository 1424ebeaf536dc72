package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/cloud"
	"github.com/apigw-preflight/apigw-preflight/collector"
	"github.com/apigw-preflight/apigw-preflight/config"
	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

// collectFlags are the flags of a live collection, shared by collect and run.
type collectFlags struct {
	group, to        string
	region, profile  string
	endpoint, config string
	stage, lookback  string
	quiet            bool
	insecure         bool
	maxAPIs          int
	timeout          time.Duration
	maxResponse      string
}

func (cf *collectFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&cf.group, "group", "", "`ID` of the API group to move (required)")
	fs.StringVar(&cf.to, "to", "", "`INSTANCE_ID` of the destination instance (required)")
	cf.registerCloud(fs, true)
}

// cloudFlags are the flags registerCloud adds without the configuration
// file's: what check --collect accepts only with --collect.
var cloudFlags = []string{"region", "profile", "endpoint", "stage", "lookback", "quiet", "insecure-endpoint", "max-apis", "timeout", "max-response-size"}

// registerCloud adds the flags of a collection other than --group and
// --to (which check --collect takes from a Terraform plan); withConfig adds
// --config too (check has its own).
func (cf *collectFlags) registerCloud(fs *pflag.FlagSet, withConfig bool) {
	fs.StringVar(&cf.region, "region", "", "region `ID`; default ALIBABA_CLOUD_REGION_ID, else the CLI profile's region_id")
	fs.StringVar(&cf.profile, "profile", "", "use profile `NAME` of ~/.aliyun/config.json, else of ~/.alibabacloud/credentials (only it, not the environment keys)")
	fs.StringVar(&cf.endpoint, "endpoint", "", "send every call to `URL` (e.g. http://127.0.0.1:8080 for the emulator); default the regional HTTPS endpoints")
	if withConfig {
		fs.StringVar(&cf.config, "config", "", "configuration `FILE` (allowlists, defaults); default "+config.DefaultConfigFile+" if present")
	}
	fs.StringVar(&cf.stage, "stage", "", "read the backends and traffic of this `STAGE` only (RELEASE, PRE or TEST); default: every stage the group has")
	fs.StringVar(&cf.lookback, "lookback", "", "QPS look-back `WINDOW` from 1h to 90d, a duration (168h) or days (7d); default the config's lookback, else 7d")
	fs.BoolVarP(&cf.quiet, "quiet", "q", false, "no progress or notes on stderr")
	fs.BoolVar(&cf.insecure, "insecure-endpoint", false, "allow an http:// --endpoint that is not a loopback address (the signed requests and any STS token travel unencrypted)")
	fs.IntVar(&cf.maxAPIs, "max-apis", collector.DefaultMaxAPIs, "read at most `N` APIs of the group; a group with more is recorded as a collection error")
	fs.DurationVar(&cf.timeout, "timeout", 10*time.Minute, "give up a collection that takes longer than `DURATION` (exit 1)")
	fs.StringVar(&cf.maxResponse, "max-response-size", "16MiB", "refuse a cloud answer longer than `SIZE` (bytes, or with KiB, MiB, GiB)")
}

// collected is a finished collection.
type collected struct {
	snap   *snapshot.Snapshot
	raw    []byte // the snapshot as written
	config *config.Config
}

// loadConfig reads the configuration file: the one named by --config, or
// the default file when it exists. A bad file is a usage error.
func (cf *collectFlags) loadConfig(fs *pflag.FlagSet) (*config.Config, error) {
	cfg, err := config.LoadConfig(cf.config, fs.Changed("config"))
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return cfg, nil
}

// run validates the flags, reads the cloud and returns the snapshot.
// Flag problems are usage errors (exit 2); failed essential reads and
// rejected credentials are tool errors (exit 1).
func (cf *collectFlags) run(ctx context.Context, e *env, name string, cfg *config.Config) (*collected, error) {
	if cf.group == "" || cf.to == "" {
		return nil, usageErr("%s: --group and --to are required; run 'apigw-preflight %s --help'", name, name)
	}
	stage, err := parseStage(cf.stage)
	if err != nil {
		return nil, err
	}
	var lookback = cfg.Lookback
	if cf.lookback != "" {
		d, err := config.ParseLookback(cf.lookback)
		if err != nil {
			return nil, usageErr("--lookback: %v", err)
		}
		lookback = d
	}
	if cf.maxAPIs <= 0 {
		return nil, usageErr("--max-apis %d: want a number above 0", cf.maxAPIs)
	}
	if cf.timeout <= 0 {
		return nil, usageErr("--timeout %s: want a duration above 0, like 10m", cf.timeout)
	}
	client, region, err := cf.client()
	if err != nil {
		return nil, err
	}
	if ignored := cloud.SDKDebugIgnored(); len(ignored) > 0 && !cf.quiet {
		fmt.Fprintf(e.stderr, "apigw-preflight: DEBUG=%s ignored: the SDK's debug output prints signed requests and tokens\n", strings.Join(ignored, ","))
	}
	var progress collector.Progress
	if !cf.quiet && e.stderrTTY {
		progress = collector.ProgressTo(e.stderr, "  ")
	}
	ctx, cancel := context.WithTimeout(ctx, cf.timeout)
	defer cancel()
	snap, err := collector.Collect(ctx, client, collector.Request{
		GroupID:          cf.group,
		TargetInstanceID: cf.to,
		RegionID:         region,
		Stage:            stage,
		Lookback:         lookback,
		Config:           cfg,
		Progress:         progress,
		Version:          toolVersion(),
		MaxAPIs:          cf.maxAPIs,
		Now:              clock,
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, withCode(exitToolError, fmt.Errorf("%s: interrupted", name))
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, withCode(exitToolError, fmt.Errorf("%s: the collection did not finish within %s (--timeout); nothing was written; "+
				"raise --timeout, or check the endpoint with a single call", name, cf.timeout))
		}
		return nil, withCode(exitToolError, fmt.Errorf("%s: %w", name, err))
	}
	raw, err := snap.Marshal()
	if err != nil {
		return nil, withCode(exitToolError, fmt.Errorf("%s: render snapshot: %w", name, err))
	}
	if err := checkSnapshotSize(len(raw), snapshot.MaxSnapshotBytes); err != nil {
		return nil, withCode(exitToolError, fmt.Errorf("%s: %w", name, err))
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

// checkSnapshotSize refuses a snapshot that 'check' would not read: one
// size contract for collect, run and check.
func checkSnapshotSize(n, limit int) error {
	if n > limit {
		return fmt.Errorf("the snapshot would be %d bytes, more than the %d MiB a snapshot may hold; nothing was written "+
			"(lower --max-apis, or collect the group's largest parts separately)", n, limit>>20)
	}
	return nil
}

// client builds the SDK-backed client from the region, profile and
// endpoint flags. Bad values are usage errors.
func (cf *collectFlags) client() (*cloud.Client, string, error) {
	// Problems in the order they can be fixed: the profile named, then
	// the region it may supply.
	if err := cloud.CheckProfile(cf.profile); err != nil {
		return nil, "", usageErr("%v", err)
	}
	region, _, err := cloud.ResolveRegion(cf.region, cf.profile)
	if err != nil {
		return nil, "", usageErr("%v", err)
	}
	maxResponse, err := parseSize(cf.maxResponse)
	if err != nil {
		return nil, "", usageErr("--max-response-size %v", err)
	}
	client, err := cloud.NewClient(cloud.ClientOptions{
		RegionID:         region,
		Profile:          cf.profile,
		Endpoint:         cf.endpoint,
		UserAgent:        "apigw-preflight/" + toolVersion(),
		MaxResponseBytes: maxResponse,
		InsecureEndpoint: cf.insecure,
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
they fail, and so are answers that arrive but cannot be used (a QPS reading
without a single value, a listing that repeats pages or whose TotalCount
disagrees): a rule never reads such a failure as zero traffic or no APIs.
A failed read of the group or an instance stops with exit 1. Throttling,
5xx answers, timeouts and answers that break off are retried with backoff;
one call takes at most 90s with its retries, a whole collection at most
--timeout. A group's APIs are read up to --max-apis, an answer up to
--max-response-size, and a snapshot over 64 MiB (what 'check' reads) is
refused. Plain http:// is accepted only to a loopback --endpoint (the
emulator) unless --insecure-endpoint is given. DEBUG=sdk is ignored: the
SDK would print signed requests and tokens.

Credentials come from the first of these that is configured, in the order
of the SDKs' default chain (credentials-go): environment variables
ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET
(/ ALIBABA_CLOUD_SECURITY_TOKEN), OIDC (ALIBABA_CLOUD_ROLE_ARN,
ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE), the profile of
the aliyun CLI's config file (ALIBABA_CLOUD_CONFIG_FILE, else
~/.aliyun/config.json) named by ALIBABA_CLOUD_PROFILE or marked current, the
ini file (ALIBABA_CLOUD_CREDENTIALS_FILE, else ~/.alibabacloud/credentials),
the ECS RAM role (not with ALIBABA_CLOUD_ECS_METADATA_DISABLED=true),
ALIBABA_CLOUD_CREDENTIALS_URI. --profile NAME uses that profile only. Profile
modes: AK, StsToken, RamRoleArn, EcsRamRole, RamRoleArnWithRoleName,
ChainableRamRoleArn, External, CredentialsURI, OIDC, CloudSSO, OAuth; STS is
called at ALIBABA_CLOUD_STS_ENDPOINT (or the profile's sts_endpoint) when set.

Examples:
  apigw-preflight collect --group 523e8dc7bbe0 --to apigateway-hz-ab12cd34ef56 -o snapshot.json
  apigw-preflight collect --profile prod --region cn-hangzhou --group G --to I > snapshot.json

Flags:
%s
%s`, fs.FlagUsages(), commandExitHelp("collect"))
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

// parseStage reads --stage: "" (every stage the group has) or RELEASE, PRE
// or TEST, any case.
func parseStage(s string) (string, error) {
	stage := strings.ToUpper(strings.TrimSpace(s))
	if stage != "" && stage != "RELEASE" && stage != "PRE" && stage != "TEST" {
		return "", usageErr("--stage %q: want RELEASE, PRE or TEST, or leave it out for every stage", s)
	}
	return stage, nil
}

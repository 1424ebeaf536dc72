package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
)

// policies test and policies bundle: the organisation's Rego unit tests,
// and the pack as an OPA bundle for policy servers.

func policiesTestHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight policies test [--builtin] [--data PATH...] [--run REGEX] [--coverage] [-f junit=FILE] [PATH...]

Runs the Rego unit tests (test_ rules, in *_test.rego files or anywhere) of
the policies at each PATH (a directory, a .rego file or an OPA bundle, as
--policy takes them, tests included) with OPA's tester, and with --builtin
the built-in rules' tests too. The built-in pack (data.apigw.lib, the
rules, the data.apigw.findings entrypoint with the org rules in it), the
call registry and the --data documents are loaded, as check loads them.

Prints one line per failing test (FAIL file:line NAME, and the error of a
test that could not be evaluated), then a summary line. A test's NAME is
its package and rule (acme.approved_destination_test.test_fires): unique
and stable, and the JUnit test case name. --run keeps the tests whose NAME
the regular expression matches. --coverage adds each policy file's share
of lines the tests evaluated, and the total (tests and the built-in files,
without --builtin, are not counted).

Flags:
%s
%s`, fs.FlagUsages(), commandExitHelp("policies test"))
}

func runPoliciesTest(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("policies test")
	builtin := fs.Bool("builtin", false, "also run the built-in rules' tests")
	var data, formats []string
	fs.StringArrayVar(&data, "data", nil, "load the data documents at `PATH` (JSON or YAML files, or a directory of them) for the tests; repeatable")
	run := fs.String("run", "", "run only the tests whose name (PACKAGE.RULE) matches `REGEX`")
	coverage := fs.Bool("coverage", false, "report each policy file's line coverage and the total")
	fs.StringArrayVarP(&formats, "format", "f", nil, "write a report: `FORMAT[=FILE]` is text (the default, on stdout) or junit; junit without =FILE goes to stdout and the text to stderr; repeatable")
	var vk verificationFlags
	vk.register(fs)
	if err := parseFlags(e, fs, args, policiesTestHelp); err != nil {
		return err
	}
	paths := fs.Args()
	if len(paths) == 0 && !*builtin {
		return usageErr("policies test: give the policy PATHs whose tests to run, or --builtin for the built-in rules' tests")
	}
	var filter *regexp.Regexp
	if *run != "" {
		var err error
		if filter, err = regexp.Compile(*run); err != nil {
			return usageErr("policies test --run %q: not a regular expression: %v", *run, err)
		}
	}
	text := e.stdout
	var junit *outputTarget
	for _, f := range formats {
		name, file, _ := strings.Cut(f, "=")
		switch name {
		case "text":
			if file != "" {
				return usageErr("policies test -f %s: text goes to stdout; give -f text or -f junit=FILE", f)
			}
		case "junit":
			if junit != nil {
				return usageErr("policies test -f %s: one junit report only", f)
			}
			t, err := resolveOutput("-f junit", "junit report", file)
			if err != nil {
				return err
			}
			junit = t
			if t.mode == modeStream && t.fd == 1 {
				text = e.stderr
			}
		default:
			return usageErr("policies test -f %s: want text or junit[=FILE]", f)
		}
	}
	vc, err := vk.config()
	if err != nil {
		return err
	}
	var pack *policies.Pack
	if len(paths) > 0 || len(data) > 0 {
		if pack, err = policies.LoadPackWith(paths, data, policies.LoadOptions{WithTests: true, BundleVerification: vc}); err != nil {
			return usageErr("%v", err)
		}
	} else {
		pack = &policies.Pack{}
	}
	res, err := policies.RunTests(ctx, policies.TestOptions{Packs: pack.Sources, Data: pack.Data, Builtin: *builtin, Run: filter, Coverage: *coverage})
	if err != nil {
		var pe *policies.PolicyError
		var se *policies.SettingError
		if errors.As(err, &pe) || errors.As(err, &se) {
			return usageErr("policies test: %v", err)
		}
		return withCode(exitToolError, fmt.Errorf("policies test: %w", err))
	}
	if len(res.Results) == 0 {
		what := "the policies given have no tests (test_ rules)"
		if filter != nil {
			what = fmt.Sprintf("no test matches --run %q", *run)
		}
		return usageErr("policies test: %s; nothing was tested", what)
	}
	var b strings.Builder
	for _, r := range res.Results {
		if !r.Failed() {
			continue
		}
		fmt.Fprintf(&b, "FAIL %s:%d %s", r.File, r.Line, r.Name)
		if r.Err != "" {
			fmt.Fprintf(&b, ": error: %s", strings.ReplaceAll(r.Err, "\n", " "))
		}
		b.WriteString("\n")
	}
	passed, failed, skipped := res.Counts()
	if *coverage {
		for _, c := range res.Coverage {
			fmt.Fprintf(&b, "coverage %5.1f%% %s (%d of %d lines)\n", c.Percent, c.File, c.CoveredLines, c.CoveredLines+c.NotCoveredLines)
		}
		fmt.Fprintf(&b, "coverage %5.1f%% total (%d of %d lines)\n", res.Percent, res.CoveredLines, res.CoveredLines+res.NotCoveredLines)
	}
	verdict := "PASS"
	if failed > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "%s: %s, %d passed, %d failed", verdict, countNoun(len(res.Results), "test"), passed, failed)
	if skipped > 0 {
		fmt.Fprintf(&b, ", %d skipped", skipped)
	}
	b.WriteString("\n")
	if junit != nil {
		tests := make([]report.PolicyTest, len(res.Results))
		for i, r := range res.Results {
			tests[i] = report.PolicyTest{Name: r.Name, Package: r.Package, File: r.File, Line: r.Line,
				Failed: r.Fail, Error: r.Err, Skipped: r.Skip, Time: r.Duration}
		}
		var buf bytes.Buffer
		if err := report.WritePolicyTestsJUnit(&buf, tests); err != nil {
			return withCode(exitToolError, err)
		}
		if err := writeOne(ctx, e, junit, buf.Bytes()); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(text, b.String()); err != nil {
		return withCode(exitToolError, err)
	}
	if failed > 0 {
		return errGateFailed
	}
	return nil
}

func policiesBundleHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight policies bundle -o FILE.tar.gz [--policy PATH...] [--data PATH...] [--signing-key FILE]

Writes an OPA bundle of the built-in rules plus the organisation policies
and data documents given, for OPA servers:

  opa run --server -b FILE.tar.gz
  curl -s -X POST localhost:8181/v1/data/apigw/findings -d '{"input": SNAPSHOT}'

returns, as result, every finding of the snapshot rules (built-in and
organisation), stamped with ruleId, severity, message, remediation and
resource and sorted as check sorts them: the findings check's json report
gives for the same snapshot and settings (AGP tool findings, such as
AGP001 snapshot-stale, and the Terraform plan rules aside).

The bundle has a .manifest with a revision (a hash of its content: the
same pack gives the same revision), roots (apigw and the organisation's
top-level packages and data), rego_version 1, the METADATA blocks, no
tests, and the modules the entrypoint needs (generated/). The rule
settings are not in the bundle: they are read at data.apigw_settings,
outside its roots, so a running server takes them with

  curl -s -X PUT localhost:8181/v1/data/apigw_settings \
    -d '{"params": {"MIG001": {"rpsHeadroom": 0.5}}, "rules": {"MIG013": {"enabled": false}}}'

and without them every rule runs with its METADATA defaults.

--signing-key signs the bundle (.signatures.json, OPA bundle signing) with
a PEM private key (RS256 unless --signing-alg says otherwise); servers
verify it with opa run --verification-key PUBLIC.pem, and check, run and
policies test with --policy FILE.tar.gz --verification-key PUBLIC.pem.

The file is written whole or not at all (a temporary file renamed over it).

Flags:
%s
%s`, fs.FlagUsages(), commandExitHelp("policies bundle"))
}

func runPoliciesBundle(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("policies bundle")
	out := fs.StringP("output", "o", "", "write the bundle to `FILE` (.tar.gz)")
	var org orgFlags
	fs.StringArrayVar(&org.policies, "policy", nil, "add the organisation policies at `PATH` (a directory, a .rego file or an OPA bundle); repeatable")
	fs.StringArrayVar(&org.data, "data", nil, "add the data documents at `PATH` (JSON or YAML files, or a directory of them); repeatable")
	signingKey := fs.String("signing-key", "", "sign the bundle with the PEM private key (or HMAC secret) in `FILE`")
	signingAlg := fs.String("signing-alg", "RS256", "the signing `ALG`orithm (RS256, PS256, ES256, HS256, ...)")
	var vk verificationFlags
	vk.register(fs)
	if err := parseFlags(e, fs, args, policiesBundleHelp); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("policies bundle: unexpected argument %q; give policies with --policy PATH", fs.Arg(0))
	}
	if *out == "" {
		return usageErr("policies bundle: give the bundle's file with -o FILE.tar.gz")
	}
	t, err := resolveOutput("-o", "bundle", *out)
	if err != nil {
		return err
	}
	var key string
	if *signingKey != "" {
		raw, err := os.ReadFile(*signingKey)
		if err != nil {
			return usageErr("policies bundle --signing-key %s: %v", *signingKey, bare(err))
		}
		key = string(raw)
	}
	vc, err := vk.config()
	if err != nil {
		return err
	}
	eng, err := orgEngine(ctx, policies.Options{}, org.policies, org.data, policies.LoadOptions{BundleVerification: vc})
	if err != nil {
		return err
	}
	name := filepath.Base(*out)
	for _, ext := range []string{".tar.gz", ".tgz"} {
		name = strings.TrimSuffix(name, ext)
	}
	raw, b, err := eng.BundleBytes(policies.BundleOptions{Name: name, SigningKey: key, SigningAlg: *signingAlg})
	var pe *policies.PolicyError
	if errors.As(err, &pe) {
		return usageErr("policies bundle: %v", err)
	}
	if err != nil {
		return withCode(exitToolError, fmt.Errorf("policies bundle: %w", err))
	}
	if err := writeOne(ctx, e, t, raw); err != nil {
		return err
	}
	if t.mode != modeStream {
		signed := ""
		if key != "" {
			signed = ", signed"
		}
		fmt.Fprintf(e.stderr, "apigw-preflight: wrote %s: %d modules, roots %s, revision %s%s\n",
			t.display(), len(b.Modules), strings.Join(*b.Manifest.Roots, ", "), b.Manifest.Revision, signed)
	}
	return nil
}

// verificationFlags verify signed bundles given with --policy.
type verificationFlags struct {
	key, alg string
}

func (v *verificationFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&v.key, "verification-key", "", "verify every --policy bundle's signature with the PEM public key (or HMAC secret) in `FILE`; an unsigned or tampered bundle, or a --policy that is not a bundle, is refused")
	fs.StringVar(&v.alg, "verification-alg", "RS256", "the `ALG`orithm of --verification-key")
}

// config is the bundle verification the flags ask for, nil without a key.
func (v *verificationFlags) config() (*bundle.VerificationConfig, error) {
	if v.key == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(v.key)
	if err != nil {
		return nil, usageErr("--verification-key %s: %v", v.key, bare(err))
	}
	return policies.VerificationConfig(string(raw), v.alg), nil
}

// orgEngine builds the engine of opts with the organisation policies and
// data at paths loaded in: a policy or data problem is a usage error (exit
// 2), anything else a tool error.
func orgEngine(ctx context.Context, opts policies.Options, paths, data []string, lo policies.LoadOptions) (*policies.Engine, error) {
	if len(paths) > 0 || len(data) > 0 {
		pack, err := policies.LoadPackWith(paths, data, lo)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		opts.Packs, opts.Data = pack.Sources, pack.Data
	}
	eng, err := policies.New(ctx, opts)
	var pe *policies.PolicyError
	if errors.As(err, &pe) {
		return nil, usageErr("%v", err)
	}
	if err != nil {
		return nil, withCode(exitToolError, err)
	}
	return eng, nil
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/config"
	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
	"github.com/apigw-preflight/apigw-preflight/waiver"
)

// reportFlags are the evaluation and reporting flags shared by every command
// that evaluates snapshots (check, run).
type reportFlags struct {
	formats         []string
	failOn          string
	failOnUndecided bool
	maxAge          string
	now             string
	color           string
	rules           ruleFlags
	// fileRules are the configuration file's rule settings; the flags'
	// come after them and win.
	fileRules     []policies.Setting
	sourceRoot    string
	sarifCategory string
	// Waivers: the flags, and the configuration file's waivers key.
	waiverFiles         []string
	failOnUnusedWaivers bool
	waiverExpiryWarning string
	fileWaivers         *waiverSource
	org                 orgFlags
}

// orgFlags choose organisation policies and rules: --policy, --data,
// --only, --skip; filePolicies and fileData come from the configuration
// file and are loaded first.
type orgFlags struct {
	policies, data         []string
	only, skip             []string
	filePolicies, fileData []string
	verify                 verificationFlags
}

func (rf *reportFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&rf.formats, "format", "f", nil,
		"report `FORMAT[=FILE]`, repeatable; FORMAT is one of "+strings.Join(report.FormatNames(), ", ")+
			"; without =FILE the report goes to stdout (at most one); default text")
	fs.StringVar(&rf.failOn, "fail-on", "error", "gate threshold: "+strings.Join(report.ThresholdNames, ", ")+
		"; findings at or above it fail the gate (exit 3)")
	fs.BoolVar(&rf.failOnUndecided, "fail-on-undecided", false, "also fail the gate (exit 3) when a rule whose default severity is error could not check (an undecided finding), whatever --fail-on says")
	fs.StringVar(&rf.maxAge, "max-age", "7d", "AGP001 warns when a snapshot was collected more than `AGE` before now: a duration (36h) or days (7d); 0 turns the check off")
	fs.StringVar(&rf.now, "now", "", "measure snapshot ages at `TIME` (RFC 3339, e.g. 2026-11-21T00:00:00Z) instead of the clock, and judge waivers' expiry at it, for reproducible reports (JUnit times are then written as 0)")
	fs.StringVar(&rf.color, "color", "auto", "colour in the text report on stdout: auto (terminal and no NO_COLOR), always, never")
	rf.rules.register(fs)
	fs.StringVar(&rf.sourceRoot, "source-root", "", "report file locations (sarif, junit, github, gitlab) relative to `DIR`; default the git top level of the working directory (the nearest parent with .git), else the working directory")
	fs.StringVar(&rf.sarifCategory, "sarif-category", "", "set the sarif run's automationDetails.id (GitHub's analysis category) to `NAME`; default none, so the upload step's category applies")
	// Waivers (accepted risks): see waivers.go.
	fs.StringArrayVar(&rf.waiverFiles, "waivers", nil, "accept the findings the waivers in `FILE` match (YAML or JSON, a top-level waivers: list); repeatable; replaces the configuration file's waivers")
	fs.BoolVar(&rf.failOnUnusedWaivers, "fail-on-unused-waivers", false, "fail the gate (exit 3) when a waiver matched no finding (AGP003)")
	fs.StringVar(&rf.waiverExpiryWarning, "waiver-expiry-warning", "14d", "AGP004 notes a waiver that expires within `AGE` of the evaluation time: a duration (72h) or days (14d); 0 turns the note off")
	// Organisation policies: loading and choosing rules.
	fs.StringArrayVar(&rf.org.policies, "policy", nil, "also evaluate the organisation policies at `PATH`: a directory (walked; *_test.rego skipped), a .rego file or an OPA bundle (.tar.gz); repeatable; after the configuration's policies")
	fs.StringArrayVar(&rf.org.data, "data", nil, "load the data documents at `PATH` (JSON or YAML files, or a directory of them) for the organisation policies, merged as OPA merges data files; data.apigw is reserved; repeatable")
	fs.StringSliceVar(&rf.org.only, "only", nil, "run only these rules: `ID,...` (IDs or names, built-in, tool and organisation rules); unknown names are an error")
	fs.StringSliceVar(&rf.org.skip, "skip", nil, "do not run these rules: `ID,...` (IDs or names); unknown names are an error")
	rf.org.verify.register(fs)
}

// output is one report to produce.
type output struct {
	format report.Format
	file   string // "" for stdout
}

// reportSetup is the validated form of reportFlags: the reports to write
// and how the gate judges.
type reportSetup struct {
	// quiet (--quiet of run and audit) leaves out the one-line outcome on
	// stderr that is printed when no report goes to stdout.
	quiet           bool
	outputs         []output
	failOn          report.Threshold
	failOnUndecided bool
	maxAge          time.Duration // 0: AGP001 off
	now             time.Time     // zero: the clock
	color           bool
	settings        []policies.Setting // the rules' settings, file first
	// pack is the organisation's policies and data (nil when none);
	// only and skip the rule choices of --only and --skip.
	pack       *policies.Pack
	only, skip []string
	// sourceRoot is the absolute directory report locations are relative
	// to; sarifCategory the sarif run's category ("" for none).
	sourceRoot    string
	sarifCategory string
	// waivers are the waivers read, not yet checked against the rules
	// (newEngine checks them); nil when none were given.
	waivers *waiverSource
	// failOnUnusedWaivers and waiverExpiryWarning judge them.
	failOnUnusedWaivers bool
	waiverExpiryWarning time.Duration
	// waiverSet is the checked set, made once the engine is loaded.
	waiverSet *waiver.Set
}

// locating returns the first output whose format points at lines of the
// input files (report.Format.Locates), or "".
func (p *reportSetup) locating() string {
	for _, o := range p.outputs {
		if o.format.Locates {
			return o.format.Name
		}
	}
	return ""
}

func (rf *reportFlags) resolve(e *env) (*reportSetup, error) {
	p := &reportSetup{}
	var err error
	if p.failOn, err = report.ParseThreshold(rf.failOn); err != nil {
		return nil, usageErr("%v", err)
	}
	p.failOnUndecided = rf.failOnUndecided
	if p.maxAge, err = parseMaxAge(rf.maxAge); err != nil {
		return nil, usageErr("--max-age: %v", err)
	}
	if rf.now != "" {
		if p.now, err = time.Parse(time.RFC3339, strings.TrimSpace(rf.now)); err != nil {
			return nil, usageErr("--now %q: want an RFC 3339 time such as 2026-11-21T00:00:00Z", rf.now)
		}
	}
	specs := rf.formats
	if len(specs) == 0 {
		specs = []string{"text"}
	}
	seenFile := map[string]string{}
	stdout := ""
	for _, spec := range specs {
		name, file, _ := strings.Cut(spec, "=")
		f, err := report.Lookup(strings.TrimSpace(name))
		if err != nil {
			return nil, usageErr("--format %s: %v", spec, err)
		}
		if strings.Contains(spec, "=") && file == "" {
			return nil, usageErr("--format %s: empty file name after '='", spec)
		}
		if file == "" || file == "-" {
			if stdout != "" {
				return nil, usageErr("--format %s: only one report can go to stdout (%s already does); give the others =FILE", spec, stdout)
			}
			stdout = f.Name
			file = ""
		} else {
			if dir := filepath.Dir(file); dir != "." {
				if st, err := os.Stat(dir); err != nil || !st.IsDir() {
					return nil, usageErr("--format %s: directory %s does not exist; create it first", spec, dir)
				}
			}
			abs, _ := filepath.Abs(file)
			if prev, dup := seenFile[abs]; dup {
				return nil, usageErr("--format %s: %s is already the file of the %s report", spec, file, prev)
			}
			seenFile[abs] = f.Name
		}
		p.outputs = append(p.outputs, output{format: f, file: file})
	}
	switch rf.color {
	case "always":
		p.color = true
	case "never":
		p.color = false
	case "auto":
		p.color = e.stdoutTTY && e.getenv("NO_COLOR") == "" && e.getenv("TERM") != "dumb"
	default:
		return nil, usageErr("--color %q: want auto, always or never", rf.color)
	}
	flagRules, err := rf.rules.settings()
	if err != nil {
		return nil, err
	}
	p.settings = append(append(p.settings, rf.fileRules...), flagRules...)
	p.only, p.skip = rf.org.only, rf.org.skip
	policyPaths := append(slices.Clone(rf.org.filePolicies), rf.org.policies...)
	dataPaths := append(slices.Clone(rf.org.fileData), rf.org.data...)
	if rf.org.verify.key != "" && len(policyPaths) == 0 {
		return nil, usageErr("--verification-key %s: no --policy bundle to verify; give the signed bundle with --policy FILE.tar.gz", rf.org.verify.key)
	}
	if len(policyPaths) > 0 || len(dataPaths) > 0 {
		vc, err := rf.org.verify.config()
		if err != nil {
			return nil, err
		}
		if p.pack, err = policies.LoadPackWith(policyPaths, dataPaths, policies.LoadOptions{BundleVerification: vc}); err != nil {
			return nil, usageErr("%v", err)
		}
	}
	if p.sourceRoot, err = resolveSourceRoot(rf.sourceRoot); err != nil {
		return nil, err
	}
	if err := rf.resolveWaivers(p); err != nil {
		return nil, err
	}
	p.sarifCategory = strings.TrimSpace(rf.sarifCategory)
	if rf.sarifCategory != "" && (p.sarifCategory == "" || strings.IndexFunc(p.sarifCategory, unicode.IsControl) >= 0) {
		return nil, usageErr("--sarif-category %q: give a name without control characters, such as apigw-preflight/prod", rf.sarifCategory)
	}
	return p, nil
}

// resolveSourceRoot returns --source-root as an absolute directory, or
// the default: the nearest directory holding .git (a directory, or the
// file a git worktree or submodule has) from the working directory up,
// else the working directory. No git command runs.
func resolveSourceRoot(flag string) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", withCode(exitToolError, fmt.Errorf("working directory: %w", err))
	}
	if flag != "" {
		dir := flag
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(wd, dir)
		}
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			return "", usageErr("--source-root %s: not a directory; give the repository's top level", flag)
		}
		return filepath.Clean(dir), nil
	}
	for dir := wd; ; {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd, nil
		}
		dir = parent
	}
}

// parseMaxAge reads --max-age: a Go duration ("36h") or whole days ("7d");
// zero turns the check off.
func parseMaxAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("%q: want a duration such as 36h, days such as 7d, or 0 to turn the check off", s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 36500 {
			return 0, bad
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, bad
	}
	return d, nil
}

// newFlagSet makes a flag set that returns errors instead of exiting and
// prints help from the command's own text.
func newFlagSet(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args; --help prints the help to stdout and returns
// errHelp. A mistyped long flag close to one of fs's is named in the
// error. When e.flags is set (see introspect.go), fs is recorded there.
func parseFlags(e *env, fs *pflag.FlagSet, args []string, help func(io.Writer, *pflag.FlagSet)) error {
	if e.flags != nil {
		*e.flags = fs
	}
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		help(e.stdout, fs)
		return errHelp
	}
	var unknown *pflag.NotExistError
	if errors.As(err, &unknown) && unknown.GetSpecifiedName() != "" && unknown.GetSpecifiedShortnames() == "" {
		if s := suggestFlag(fs, unknown.GetSpecifiedName()); s != "" {
			return usageErr("%s: unknown flag --%s; did you mean --%s?", fs.Name(), unknown.GetSpecifiedName(), s)
		}
	}
	if err != nil {
		return usageErr("%s: %v; run 'apigw-preflight %s --help'", fs.Name(), err, fs.Name())
	}
	return nil
}

// errHelp ends a command that printed its help.
var errHelp = &exitError{code: exitPass}

// applyConfigDefaults takes the gate and rule settings of the
// configuration file for every flag not given on the command line.
func applyConfigDefaults(fs *pflag.FlagSet, rf *reportFlags, cfg *config.Config) {
	if cfg == nil {
		return
	}
	if cfg.FailOn != "" && !fs.Changed("fail-on") {
		rf.failOn = cfg.FailOn
	}
	rf.fileRules = fileSettings(cfg)
	rf.fileWaivers = configWaivers(cfg)
	rf.org.filePolicies, rf.org.fileData = cfg.Policies, cfg.Data
}

// parseSize reads a byte count: 1048576, 512KiB, 16MiB, 1GiB (K, M, G,
// KB, MB, GB are read as the binary units too).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	lower := strings.ToLower(t)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30},
		{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}} {
		if strings.HasSuffix(lower, u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("%q: want a size like 16MiB or 1048576", s)
	}
	return n * mult, nil
}

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/internal/textdist"
	"github.com/spf13/pflag"
)

// runInProcess runs one command line in this process and returns its exit
// code, stdout and stderr.
func runInProcess(t *testing.T, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code := run(context.Background(), e, args)
	return cliResult{code, out.String(), errb.String()}
}

// bashCompletions sources script in a real bash, sets up the line the way
// bash does before it calls a completion function (COMP_LINE, COMP_POINT,
// COMP_WORDS, COMP_CWORD, COMP_TYPE 9 for TAB), calls the function
// 'complete -p apigw-preflight' names and returns COMPREPLY, each
// candidate without the description bash would show beside it.
func bashCompletions(t *testing.T, bash, script, preamble, line string) []string {
	t.Helper()
	const harness = `
set -u
PREAMBLE
source "$SCRIPT"
spec=$(complete -p apigw-preflight) || { echo "no completion for apigw-preflight" >&2; exit 1; }
fn=$(sed -n 's/.* -F \([^ ]*\) .*/\1/p' <<<"$spec")
[ -n "$fn" ] || { echo "complete -p: $spec" >&2; exit 1; }
COMP_LINE=$LINE
COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<<"$COMP_LINE"
[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_TYPE=9
COMPREPLY=()
"$fn" apigw-preflight "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"
`
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", strings.Replace(harness, "PREAMBLE", preamble, 1))
	cmd.Env = append(os.Environ(), "SCRIPT="+script, "LINE="+line, "COLUMNS=200")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("bash on %q: %v\n%s", line, err, errb.String())
	}
	var got []string
	for _, l := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		if l == "" {
			continue
		}
		// "--fail-on   (gate threshold: ...)" when bash shows descriptions.
		if i := strings.Index(l, "  "); i >= 0 {
			l = l[:i]
		}
		got = append(got, strings.TrimSpace(l))
	}
	return got
}

// TestBashCompletion sources the output of 'completion bash' in bash and
// completes commands, subcommands, flags (long and short) and the values
// of --format, --fail-on, --color and policies --output, through the
// apigw-preflight on PATH (the test binary) answering __complete.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	dir := t.TempDir()
	r := runCLI(t, dir, nil, "completion", "bash")
	if r.code != 0 {
		t.Fatalf("completion bash: exit %d: %s", r.code, r.stderr)
	}
	script := write(t, dir, "apigw-preflight.bash", r.stdout)
	write(t, dir, "report.sarif", "")
	cases := []struct {
		line string
		want []string
	}{
		{"apigw-preflight ch", []string{"check"}},
		{"apigw-preflight c", []string{"collect", "check", "completion"}},
		{"apigw-preflight ", []string{"collect", "check", "run", "audit", "policies", "schema", "version", "completion", "help"}},
		{"apigw-preflight check --fail-", []string{"--fail-on", "--fail-on-undecided", "--fail-on-unused-waivers"}},
		{"apigw-preflight check --fail-on-u", []string{"--fail-on-undecided", "--fail-on-unused-waivers"}},
		{"apigw-preflight check --form", []string{"--format"}},
		{"apigw-preflight check --format ", []string{"text", "github", "gitlab", "html", "json", "junit", "markdown", "sarif"}},
		{"apigw-preflight check --format j", []string{"json", "junit"}},
		{"apigw-preflight check -f sa", []string{"sarif"}},
		{"apigw-preflight check --format=ma", []string{"markdown"}},
		{"apigw-preflight check -f sarif=rep", []string{"report.sarif"}},
		{"apigw-preflight check --fail-on ", []string{"error", "warning", "note", "never"}},
		{"apigw-preflight run --color a", []string{"auto", "always"}},
		{"apigw-preflight policies ", []string{"list", "show", "test", "bundle"}},
		{"apigw-preflight policies list --output ", []string{"text", "json", "markdown"}},
		{"apigw-preflight completion ", []string{"bash", "zsh", "fish", "powershell"}},
		{"apigw-preflight help po", []string{"policies"}},
		{"apigw-preflight help policies ", []string{"list", "show", "test", "bundle"}},
		// Snapshot arguments are files (the shell's default completion).
		{"apigw-preflight check rep", nil},
	}
	for _, c := range cases {
		got := bashCompletions(t, bash, script, "cd "+dir, c.line)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s<TAB>: %q, want %q", c.line, got, c.want)
		}
	}
	// A lone '-' lists the short and the long flags.
	collect, _ := inspect(&env{getenv: func(string) string { return "" }}, []string{"collect"})
	want := []string{"--help", "-h"}
	collect.flags.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			want = append(want, "--"+f.Name)
			if f.Shorthand != "" {
				want = append(want, "-"+f.Shorthand)
			}
		}
	})
	got := bashCompletions(t, bash, script, "cd "+dir, "apigw-preflight collect -")
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) || !slices.Contains(got, "-o") || !slices.Contains(got, "--group") {
		t.Errorf("apigw-preflight collect -<TAB>: %q, want %q", got, want)
	}
	// With the bash-completion package, when it is installed, too.
	for _, p := range []string{"/usr/share/bash-completion/bash_completion", "/etc/bash_completion"} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		for _, c := range cases[:6] {
			if got := bashCompletions(t, bash, script, "cd "+dir+"; source "+p, c.line); !slices.Equal(got, c.want) {
				t.Errorf("with %s: %s<TAB>: %q, want %q", p, c.line, got, c.want)
			}
		}
		return
	}
	t.Log("the bash-completion package is not installed: completion checked with the script's own reading of the line only")
}

// TestCompletionScripts: the zsh, fish and PowerShell scripts register
// apigw-preflight and ask it through __complete; zsh -n and fish -n parse
// them where those shells are installed, and fish completes command lines
// with them.
func TestCompletionScripts(t *testing.T) {
	cases := []struct {
		shell, check string
		want         []string
	}{
		{"bash", "bash", []string{"complete -o default -F __start_apigw-preflight apigw-preflight", "__complete"}},
		{"zsh", "zsh", []string{"#compdef apigw-preflight", "compdef _apigw-preflight apigw-preflight", "__complete"}},
		{"fish", "fish", []string{"complete -c apigw-preflight ", "__complete"}},
		{"powershell", "", []string{"Register-ArgumentCompleter -CommandName 'apigw-preflight'", "__complete"}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		r := runInProcess(t, "completion", c.shell)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("completion %s: exit %d, stderr %q", c.shell, r.code, r.stderr)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("completion %s: no %q in the script", c.shell, w)
			}
		}
		nd := runInProcess(t, "completion", "--no-descriptions", c.shell)
		if nd.code != 0 || !strings.Contains(nd.stdout, "__complete") {
			t.Errorf("completion --no-descriptions %s: exit %d", c.shell, nd.code)
		}
		if c.check == "" {
			continue
		}
		sh, err := exec.LookPath(c.check)
		if err != nil {
			t.Logf("%s is not installed: the %s script's syntax is not checked", c.check, c.shell)
			continue
		}
		f := write(t, dir, "script."+c.shell, r.stdout)
		if out, err := exec.Command(sh, "-n", f).CombinedOutput(); err != nil {
			t.Errorf("%s -n on the %s script: %v\n%s", c.check, c.shell, err, out)
		}
	}
	// fish completes a command line with complete -C.
	if fish, err := exec.LookPath("fish"); err == nil {
		f := write(t, dir, "apigw-preflight.fish", runInProcess(t, "completion", "fish").stdout)
		for line, want := range map[string][]string{
			"apigw-preflight ch":              {"check"},
			"apigw-preflight check --fail-on": {"--fail-on", "--fail-on-undecided", "--fail-on-unused-waivers"},
			"apigw-preflight check -f j":      {"json", "junit"},
			"apigw-preflight policies l":      {"list"},
		} {
			out, err := exec.Command(fish, "--no-config", "-c", "source "+f+"; complete -C '"+line+"'").Output()
			if err != nil {
				t.Errorf("fish complete -C %q: %v", line, err)
				continue
			}
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				got = append(got, strings.Split(l, "\t")[0])
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("fish: %s<TAB>: %q, want %q", line, got, want)
			}
		}
	}
	if got := bashWithoutBashCompletion(bashInitFallback); got != bashInit {
		t.Errorf("the bash script's fallback reader is not replaced")
	}
	if r := runInProcess(t, "completion", "bahs"); r.code != exitUsage || !strings.Contains(r.stderr, `unknown shell "bahs"; did you mean "bash"?`) {
		t.Errorf("completion bahs: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := runInProcess(t, "completion"); r.code != exitUsage || !strings.Contains(r.stderr, "want one shell") {
		t.Errorf("completion: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestHelpCommand: 'help CMD' prints the bytes 'CMD --help' prints, for
// every command and subcommand; 'help' alone the top-level help.
func TestHelpCommand(t *testing.T) {
	top := runInProcess(t, "--help")
	if r := runInProcess(t, "help"); r.code != 0 || r.stdout != top.stdout || r.stdout == "" {
		t.Errorf("help: exit %d, output differs from --help:\n%s", r.code, r.stdout)
	}
	e := &env{getenv: func(string) string { return "" }}
	docs := commandDocs(e)
	if len(docs) != len(commands()) {
		t.Fatalf("%d commands documented, want %d (every command of the table)", len(docs), len(commands()))
	}
	pi := slices.IndexFunc(docs, func(d commandDoc) bool { return d.name() == "policies" })
	if pi < 0 || len(docs[pi].subs) == 0 || docs[pi].subs[0].name() != "policies list" {
		t.Fatalf("policies and its subcommands not documented (list first): %v", docs)
	}
	for _, d := range append(slices.Clone(docs), docs[pi].subs...) {
		want := runInProcess(t, append(slices.Clone(d.path), "--help")...)
		got := runInProcess(t, append([]string{"help"}, d.path...)...)
		if want.code != 0 || want.stdout == "" || !strings.HasPrefix(want.stdout, "Usage: apigw-preflight "+d.path[0]) {
			t.Errorf("%s --help: exit %d, stdout %q", d.name(), want.code, want.stdout)
		}
		if got.code != want.code || got.stdout != want.stdout || got.stderr != want.stderr {
			t.Errorf("help %s: exit %d, %d bytes; %s --help: exit %d, %d bytes", d.name(), got.code, len(got.stdout), d.name(), want.code, len(want.stdout))
		}
		if d.help != want.stdout {
			t.Errorf("%s: the help inspected differs from --help", d.name())
		}
	}
	if r := runInProcess(t, "help", "chek"); r.code != exitUsage || r.stderr != "apigw-preflight: unknown command \"chek\"; did you mean \"check\"?\n" {
		t.Errorf("help chek: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := runInProcess(t, "help", "check", "--format"); r.code != exitUsage {
		t.Errorf("help check --format: exit %d, want 2", r.code)
	}
}

// TestInspectFlags: the flag set recorded for a command is the one it
// parses: every flag its help lists, and nothing is run.
func TestInspectFlags(t *testing.T) {
	e := &env{getenv: func(string) string { return "" }}
	for _, d := range commandDocs(e) {
		d.flags.VisitAll(func(f *pflag.Flag) {
			if !f.Hidden && !strings.Contains(d.help, "--"+f.Name) {
				t.Errorf("%s: flag --%s is not in its help", d.name(), f.Name)
			}
		})
	}
	check, ok := inspect(e, []string{"check"})
	if !ok {
		t.Fatal("check --help did not end with its help")
	}
	for _, name := range []string{"format", "fail-on", "fail-on-undecided", "config", "terraform-plan", "collect", "region"} {
		if check.flags.Lookup(name) == nil {
			t.Errorf("check: no flag --%s recorded", name)
		}
	}
	if f := check.flags.ShorthandLookup("f"); f == nil || f.Name != "format" {
		t.Errorf("check: -f is %v, want --format", f)
	}
	if _, ok := inspect(e, []string{"nosuch"}); ok {
		t.Error("inspect nosuch: ok")
	}
}

func TestUsageSubcommands(t *testing.T) {
	help := "Usage: apigw-preflight policies list [--output text|json] [RULE...]\n" +
		"       apigw-preflight policies show [--policy PATH...] RULE\n" +
		"       apigw-preflight policies list RULE\n" +
		"       apigw-preflight policies [flags] X\n\n" +
		"Usage: apigw-preflight policies notthis\n"
	if got := usageSubcommands("policies", help); !slices.Equal(got, []string{"list", "show"}) {
		t.Errorf("usageSubcommands: %q", got)
	}
	for name, h := range map[string]string{
		"check":      "Usage: apigw-preflight check [flags] SNAPSHOT|PLAN...\n       apigw-preflight check --collect [flags] PLAN...\n",
		"completion": "Usage: apigw-preflight completion bash|zsh|fish|powershell [flags]\n",
		"policies":   "no usage\n  apigw-preflight policies list\n",
	} {
		if got := usageSubcommands(name, h); got != nil {
			t.Errorf("usageSubcommands(%q): %q, want none", h, got)
		}
	}
}

func TestSuggest(t *testing.T) {
	cmds := []string{"collect", "check", "run", "audit", "policies", "schema", "version", "completion", "help"}
	for typed, want := range map[string]string{
		"chek":       "check",
		"chekc":      "check",
		"cehck":      "check",
		"polices":    "policies",
		"verison":    "version",
		"shcema":     "schema",
		"rnu":        "run",
		"complete":   "completion",
		"frobnicate": "",
		"c":          "",
		"ch":         "",
		"check":      "",
		"xyz":        "",
		"help2":      "help",
	} {
		if got := suggest(typed, cmds); got != want {
			t.Errorf("suggest(%q) = %q, want %q", typed, got, want)
		}
	}
	flags := []string{"format", "fail-on", "fail-on-undecided", "fail-on-unused-waivers", "max-age", "now", "color", "collect", "config"}
	for typed, want := range map[string]string{
		"fail-onn":          "fail-on",
		"fial-on":           "fail-on",
		"fail-on-undecide":  "fail-on-undecided",
		"fail-on-undecidd":  "fail-on-undecided",
		"formt":             "format",
		"form":              "format",
		"fail":              "", // three flags start so
		"colour":            "color",
		"conf":              "config",
		"bogus":             "",
		"n":                 "",
		"max-ages":          "max-age",
		"fail-on-undecided": "",
	} {
		if got := suggest(typed, flags); got != want {
			t.Errorf("suggest(%q) = %q, want %q", typed, got, want)
		}
	}
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"check", "chekc", 1}, {"kitten", "sitting", 3}, {"fail-on", "fail-onn", 1}, {"ab", "ba", 1}} {
		if got := textdist.Distance(c.a, c.b); got != c.d {
			t.Errorf("textdist.Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}

// TestManPages writes the man pages as make man does and checks each: one
// for the tool and one per command, with the sections of a man page, every
// flag of the command in OPTIONS and every exit code of its help in EXIT
// STATUS; groff (or mandoc) renders them without a warning, and man -l
// shows the flags as the help spells them.
func TestManPages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man")
	if r := runInProcess(t, manCmd, dir); r.code != 0 {
		t.Fatalf("%s: exit %d: %s", manCmd, r.code, r.stderr)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, en := range entries {
		files = append(files, en.Name())
	}
	want := []string{"apigw-preflight.1"}
	for _, c := range commands() {
		want = append(want, "apigw-preflight-"+c.name+".1")
	}
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Fatalf("pages %q, want %q", files, want)
	}
	e := &env{getenv: func(string) string { return "" }}
	docs := map[string]commandDoc{}
	for _, d := range commandDocs(e) {
		docs["apigw-preflight-"+d.name()+".1"] = d
	}
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		page := string(raw)
		title := strings.ToUpper(strings.ReplaceAll(strings.TrimSuffix(f, ".1"), "-", `\-`))
		sections := []string{`.TH "` + title + `" 1 `, "\n.SH NAME\n", "\n.SH SYNOPSIS\n", "\n.SH DESCRIPTION\n", "\n.SH \"EXIT STATUS\"\n", "\n.SH \"SEE ALSO\"\n"}
		d, isCommand := docs[f]
		if isCommand && visibleFlags(d.flags) {
			sections = append(sections, "\n.SH OPTIONS\n")
		} else if strings.Contains(page, ".SH OPTIONS") {
			t.Errorf("%s: an OPTIONS section without options", f)
		}
		if f == "apigw-preflight.1" {
			for _, c := range commands() {
				if !strings.Contains(page, ".TP\n\\fB"+strings.ReplaceAll(c.name, "-", `\-`)+"\\fR\n") {
					t.Errorf("%s: command %s is not in COMMANDS", f, c.name)
				}
			}
		}
		for _, s := range sections {
			if !strings.Contains(page, s) {
				t.Errorf("%s: no %q", f, s)
			}
		}
		if isCommand {
			d.flags.VisitAll(func(fl *pflag.Flag) {
				if !fl.Hidden && !strings.Contains(page, `.TP`+"\n"+`\fB\-\-`+strings.ReplaceAll(fl.Name, "-", `\-`)+`\fR`) &&
					!strings.Contains(page, `\fB\-`+fl.Shorthand+`\fR, \fB\-\-`+strings.ReplaceAll(fl.Name, "-", `\-`)+`\fR`) {
					t.Errorf("%s: flag --%s is not an option", f, fl.Name)
				}
			})
			_, sections := parseHelp(d.help)
			for _, s := range sections {
				if strings.HasPrefix(s.title, "Exit codes") {
					for _, l := range trimBlank(s.lines) {
						code := strings.Fields(l)[0]
						if !strings.Contains(page, ".TP\n\\fB"+code+"\\fR\n") {
							t.Errorf("%s: exit code %s is not in EXIT STATUS", f, code)
						}
					}
				}
			}
		}
		for i, line := range strings.Split(page, "\n") {
			if strings.HasPrefix(line, "'") || (strings.HasPrefix(line, ".") && !manRequest(line)) {
				t.Errorf("%s:%d: %q would be read as a request", f, i+1, line)
			}
		}
	}
	renderMan := func(name string, args ...string) {
		bin, err := exec.LookPath(name)
		if err != nil {
			t.Logf("%s is not installed: the pages are not rendered with it", name)
			return
		}
		for _, f := range files {
			cmd := exec.Command(bin, append(args, filepath.Join(dir, f))...)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil || errb.Len() > 0 {
				t.Errorf("%s %s: %v\n%s", name, f, err, errb.String())
			}
		}
	}
	renderMan("groff", "-man", "-Tutf8", "-ww", "-z")
	renderMan("mandoc", "-Tlint", "-Wwarning")
	if man, err := exec.LookPath("man"); err == nil {
		cmd := exec.Command(man, "-l", filepath.Join(dir, "apigw-preflight-check.1"))
		cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=200", "MAN_KEEP_FORMATTING=0")
		out, err := cmd.Output()
		text := stripOverstrike(string(out))
		if err != nil {
			t.Errorf("man -l: %v", err)
		}
		for _, w := range []string{"NAME", "apigw-preflight-check - evaluate snapshot files", "SYNOPSIS", "OPTIONS", "-f, --format FORMAT[=FILE]", "--fail-on-undecided", "EXIT STATUS", "gate failed (findings at or above --fail-on)", "apigw-preflight check -f text -f sarif=preflight.sarif"} {
			if !strings.Contains(text, w) {
				t.Errorf("man -l apigw-preflight-check.1: no %q in\n%s", w, text)
			}
		}
	} else {
		t.Log("man is not installed: the check page is not rendered with it")
	}
}

// manRequest tells the requests the generator writes.
func manRequest(line string) bool {
	for _, r := range []string{`.\"`, ".TH ", ".SH ", ".SS ", ".PP", ".TP", ".RS", ".RE", ".nf", ".fi", ".nh", ".ad l"} {
		if strings.HasPrefix(line, r) {
			return true
		}
	}
	return false
}

// stripOverstrike removes the backspace bold and underline of a terminal
// rendering.
func stripOverstrike(s string) string {
	var b []rune
	for _, r := range s {
		if r == '\b' && len(b) > 0 {
			b = b[:len(b)-1]
			continue
		}
		b = append(b, r)
	}
	return string(b)
}

package release

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

type actionFile struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Author      string `yaml:"author"`
	Branding    struct {
		Icon  string `yaml:"icon"`
		Color string `yaml:"color"`
	} `yaml:"branding"`
	Inputs map[string]struct {
		Description string  `yaml:"description"`
		Required    bool    `yaml:"required"`
		Default     *string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	ID               string            `yaml:"id"`
	If               string            `yaml:"if"`
	Name             string            `yaml:"name"`
	Uses             string            `yaml:"uses"`
	Run              string            `yaml:"run"`
	Shell            string            `yaml:"shell"`
	Env              map[string]string `yaml:"env"`
	With             map[string]string `yaml:"with"`
	WorkingDirectory string            `yaml:"working-directory"`
}

func loadAction(t *testing.T) actionFile {
	t.Helper()
	var a actionFile
	readYAML(t, "action.yml", &a)
	return a
}

// readmeActionInputs reads the input table of the README's GitHub Action
// section: name -> default as written there.
func readmeActionInputs(t *testing.T) map[string]string {
	t.Helper()
	readme := readFile(t, "README.md")
	_, sec, ok := strings.Cut(readme, "\n### GitHub Action\n")
	if !ok {
		t.Fatal("README.md has no GitHub Action section")
	}
	sec, _, _ = strings.Cut(sec, "\n#")
	rows := regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\| ([^|]+) \\|").FindAllStringSubmatch(sec, -1)
	got := map[string]string{}
	for _, r := range rows {
		got[r[1]] = strings.Trim(strings.TrimSpace(r[2]), "`")
	}
	return got
}

// TestActionMetadata: a composite action whose inputs are the ones the
// README documents, with the defaults it gives; every script step runs in
// bash, takes inputs through env (never ${{ }} in the script) and calls a
// script that parses.
func TestActionMetadata(t *testing.T) {
	a := loadAction(t)
	if a.Runs.Using != "composite" || a.Name == "" || a.Description == "" || a.Branding.Icon == "" {
		t.Errorf("runs.using %q, name %q: want a composite action with a name, description and branding", a.Runs.Using, a.Name)
	}
	readme := readmeActionInputs(t)
	var names, documented []string
	for name, in := range a.Inputs {
		names = append(names, name)
		if in.Description == "" {
			t.Errorf("input %s has no description", name)
		}
		def := "(required)"
		switch {
		case in.Required && in.Default != nil:
			t.Errorf("input %s is required and has a default", name)
		case !in.Required && in.Default == nil:
			t.Errorf("input %s is optional and has no default", name)
		case in.Default != nil && *in.Default == "":
			def = "empty"
		case in.Default != nil:
			def = *in.Default
		}
		if got, ok := readme[name]; ok && got != def {
			t.Errorf("input %s: default %q, the README says %q", name, def, got)
		}
	}
	for name := range readme {
		documented = append(documented, name)
	}
	sort.Strings(names)
	sort.Strings(documented)
	want := []string{"args", "build-from-source", "job-summary", "sarif-file", "version", "working-directory"}
	if !slices.Equal(names, want) || !slices.Equal(documented, want) {
		t.Errorf("inputs %q, README documents %q, want %q", names, documented, want)
	}

	ids := map[string]bool{}
	scripts := map[string]bool{}
	for i, s := range a.Runs.Steps {
		if s.ID != "" {
			ids[s.ID] = true
		}
		switch {
		case s.Run != "" && s.Uses != "":
			t.Errorf("step %d both runs and uses", i)
		case s.Run != "":
			if s.Shell != "bash" {
				t.Errorf("step %d (%s): shell %q, want bash", i, s.ID, s.Shell)
			}
			if strings.Contains(s.Run, "${{") {
				t.Errorf("step %d (%s): an expression inside the script: %q; pass it through env", i, s.ID, s.Run)
			}
			for _, m := range regexp.MustCompile(`\$GITHUB_ACTION_PATH/(\S+\.sh)`).FindAllStringSubmatch(s.Run, -1) {
				scripts[strings.Trim(m[1], `"`)] = true
			}
		case s.Uses != "":
			if !regexp.MustCompile(`^[\w.-]+/[\w./-]+@v\d+$`).MatchString(s.Uses) {
				t.Errorf("step %d: uses %q, want OWNER/REPO@vN", i, s.Uses)
			}
		default:
			t.Errorf("step %d neither runs nor uses", i)
		}
	}
	if !slices.ContainsFunc(a.Runs.Steps, func(s actionStep) bool {
		return s.Uses == "github/codeql-action/upload-sarif@v4" && s.With["sarif_file"] == "${{ steps.run.outputs.sarif-path }}"
	}) {
		t.Error("no github/codeql-action/upload-sarif@v4 step uploading steps.run.outputs.sarif-path")
	}
	for name, o := range a.Outputs {
		m := regexp.MustCompile(`^\$\{\{ steps\.([\w-]+)\.outputs\.[\w-]+ \}\}$`).FindStringSubmatch(o.Value)
		if m == nil || !ids[m[1]] || o.Description == "" {
			t.Errorf("output %s: value %q: want a described output of a step of the action", name, o.Value)
		}
	}
	var got []string
	for s := range scripts {
		got = append(got, s)
		if out, err := exec.Command("bash", "-n", filepath.Join(root, s)).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", s, err, out)
		}
	}
	sort.Strings(got)
	if !slices.Equal(got, []string{"action/install.sh", "action/run.sh"}) {
		t.Errorf("the steps call %q, want action/install.sh and action/run.sh", got)
	}
}

// TestExampleWorkflow: the example's uses of the action give only inputs
// the action has, every required one, a command that exists, and upload
// the SARIF file the command writes, with the permission that needs.
func TestExampleWorkflow(t *testing.T) {
	a := loadAction(t)
	var wf struct {
		Name        string            `yaml:"name"`
		On          yaml.Node         `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			If          string            `yaml:"if"`
			RunsOn      string            `yaml:"runs-on"`
			Permissions map[string]string `yaml:"permissions"`
			Steps       []actionStep      `yaml:"steps"`
		} `yaml:"jobs"`
	}
	readYAML(t, "examples/github/preflight.yml", &wf)
	uses := 0
	for name, job := range wf.Jobs {
		for _, s := range job.Steps {
			if !strings.HasPrefix(s.Uses, "apigw-preflight/apigw-preflight@") {
				continue
			}
			uses++
			for k := range s.With {
				if _, ok := a.Inputs[k]; !ok {
					t.Errorf("job %s: input %q, which the action does not have", name, k)
				}
			}
			for k, in := range a.Inputs {
				if _, ok := s.With[k]; in.Required && !ok {
					t.Errorf("job %s: required input %s missing", name, k)
				}
			}
			args := strings.Fields(s.With["args"])
			if len(args) == 0 {
				continue
			}
			if out, err := exec.Command(binary, args[0], "--help").CombinedOutput(); err != nil {
				t.Errorf("job %s: args %q: %s --help: %v\n%s", name, s.With["args"], args[0], err, out)
			}
			if f := s.With["sarif-file"]; f != "" {
				if !slices.Contains(args, "sarif="+f) {
					t.Errorf("job %s: sarif-file %s, but args %q do not write it", name, f, s.With["args"])
				}
				if job.Permissions["security-events"] != "write" {
					t.Errorf("job %s uploads SARIF without permissions security-events: write", name)
				}
			}
		}
	}
	if uses != 2 {
		t.Errorf("%d steps use the action, want 2 (check and live)", uses)
	}
}

// --- action/install.sh -----------------------------------------------------

// fakeRelease serves one release, v1.2.3, the way GitHub does: archives and
// the checksums file under /releases/download/TAG/, /releases/latest
// redirecting to /releases/tag/TAG.
type fakeRelease struct {
	srv   *httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	paths []string
	// latest is where /releases/latest redirects.
	latest string
}

func (f *fakeRelease) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = append(f.paths, r.URL.Path)
	switch {
	case r.URL.Path == "/releases/latest":
		http.Redirect(w, r, f.latest, http.StatusFound)
	case strings.HasPrefix(r.URL.Path, "/releases/tag/") || r.URL.Path == "/releases":
		fmt.Fprintln(w, "<html>a release page</html>")
	default:
		b, ok := f.files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}
}

// renderName fills a GoReleaser name template of .goreleaser.yaml.
func renderName(tmpl, version, goos, goarch string) string {
	return strings.NewReplacer(
		"{{ .ProjectName }}", "apigw-preflight", "{{ .Version }}", version,
		"{{ .Os }}", goos, "{{ .Arch }}", goarch).Replace(tmpl)
}

func targz(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct {
		name string
		data []byte
		mode int64
	}{{"LICENSE", []byte("Apache-2.0\n"), 0o644}, {name, data, 0o755}, {"README.md", []byte("# apigw-preflight\n"), 0o644}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	return buf.Bytes()
}

func runnerArch(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("the installer test serves a Linux release; this is %s", runtime.GOOS)
	}
	switch runtime.GOARCH {
	case "amd64":
		return "X64"
	case "arm64":
		return "ARM64"
	}
	t.Skipf("no release build for %s", runtime.GOARCH)
	return ""
}

// newFakeRelease serves a v1.2.3 release whose archive for this platform
// holds a stand-in binary, named as .goreleaser.yaml names them.
func newFakeRelease(t *testing.T) (*fakeRelease, []byte) {
	t.Helper()
	c := loadGoreleaser(t)
	var archiveTmpl string
	for _, a := range c.Archives {
		if a.ID == "apigw-preflight" {
			archiveTmpl = a.NameTemplate
		}
	}
	// A stand-in for the binary, small enough to serve quickly: the
	// installer runs it once, as "version".
	bin := []byte("#!/bin/sh\necho \"apigw-preflight 1.2.3 ($*)\"\n")
	archive := renderName(archiveTmpl, "1.2.3", runtime.GOOS, runtime.GOARCH) + ".tar.gz"
	sums := renderName(c.Checksum.NameTemplate, "1.2.3", "", "")
	data := targz(t, "apigw-preflight", bin)
	sum := sha256.Sum256(data)
	other := sha256.Sum256([]byte("another archive"))
	f := &fakeRelease{files: map[string][]byte{
		"/releases/download/v1.2.3/" + archive: data,
		"/releases/download/v1.2.3/" + sums: []byte(hex.EncodeToString(other[:]) + "  apigw-emulator_1.2.3_linux_amd64.tar.gz\n" +
			hex.EncodeToString(sum[:]) + "  " + archive + "\n"),
	}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	f.latest = f.srv.URL + "/releases/tag/v1.2.3"
	return f, bin
}

type scriptResult struct {
	code           int
	stdout, stderr string
	outputs, path  string // what went to GITHUB_OUTPUT and GITHUB_PATH
	summary        string // GITHUB_STEP_SUMMARY
	temp           string // RUNNER_TEMP
}

// runScript runs an action script as the runner would, with env on top of
// the runner's variables, and no network beyond loopback.
func runScript(t *testing.T, script, dir string, env ...string) scriptResult {
	t.Helper()
	tmp := t.TempDir()
	temp := filepath.Join(tmp, "runner-temp")
	if err := os.Mkdir(temp, 0o755); err != nil {
		t.Fatal(err)
	}
	out, path, summary := filepath.Join(tmp, "output"), filepath.Join(tmp, "path"), filepath.Join(tmp, "summary")
	cmd := exec.Command("bash", filepath.Join(root, "action", script))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RUNNER_OS=Linux", "RUNNER_ARCH="+runnerArch(t), "RUNNER_TEMP="+temp,
		"GITHUB_OUTPUT="+out, "GITHUB_PATH="+path, "GITHUB_STEP_SUMMARY="+summary, "NO_COLOR=1",
		"GITHUB_ACTION_REF=")
	cmd.Env = append(cmd.Env, env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return string(b)
	}
	return scriptResult{code, o.String(), e.String(), read(out), read(path), read(summary), temp}
}

// TestInstallRelease: a pinned tag, the same without its v, and latest
// install the release's binary, verified, put on PATH; outputs name it.
func TestInstallRelease(t *testing.T) {
	for _, version := range []string{"v1.2.3", "1.2.3", "latest"} {
		t.Run(version, func(t *testing.T) {
			rel, bin := newFakeRelease(t)
			r := runScript(t, "install.sh", t.TempDir(), "VERSION="+version, "FROM_SOURCE=false", "DOWNLOAD_URL="+rel.srv.URL+"/releases")
			if r.code != 0 {
				t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
			}
			dir := filepath.Join(r.temp, "apigw-preflight", "bin")
			exe := filepath.Join(dir, "apigw-preflight")
			if want := "path=" + exe + "\nversion=1.2.3\n"; r.outputs != want {
				t.Errorf("GITHUB_OUTPUT:\n%s\nwant:\n%s", r.outputs, want)
			}
			if r.path != dir+"\n" {
				t.Errorf("GITHUB_PATH %q, want %q", r.path, dir+"\n")
			}
			got, err := os.ReadFile(exe)
			if err != nil || !bytes.Equal(got, bin) {
				t.Errorf("installed binary: %d bytes (%v), want the release's %d", len(got), err, len(bin))
			}
			if r.stdout != "apigw-preflight 1.2.3 (version)\n" {
				t.Errorf("stdout %q, want the installed binary's version output", r.stdout)
			}
			if version == "latest" && !slices.Contains(rel.paths, "/releases/latest") {
				t.Errorf("latest was not looked up: requests %q", rel.paths)
			}
		})
	}
}

// TestInstallRefusals: a download that does not match its checksum, a
// checksums file without the archive, a missing archive, no release at
// all and a version that is no release each fail with a message saying so,
// and install nothing.
func TestInstallRefusals(t *testing.T) {
	cases := []struct {
		name, version string
		edit          func(f *fakeRelease)
		want          string
	}{
		{"tampered archive", "v1.2.3", func(f *fakeRelease) {
			for p, b := range f.files {
				if strings.HasSuffix(p, ".tar.gz") {
					f.files[p] = append(slices.Clone(b), 0)
				}
			}
		}, `apigw-preflight_1.2.3_linux_` + runtime.GOARCH + `.tar.gz: SHA-256 [0-9a-f]{64}, but apigw-preflight_1.2.3_checksums.txt says [0-9a-f]{64}; not installed`},
		{"archive not in the checksums", "v1.2.3", func(f *fakeRelease) {
			for p := range f.files {
				if strings.HasSuffix(p, "_checksums.txt") {
					f.files[p] = []byte("0000  apigw-emulator_1.2.3_linux_amd64.tar.gz\n")
				}
			}
		}, `apigw-preflight_1.2.3_checksums.txt lists no checksum for apigw-preflight_1.2.3_linux_` + runtime.GOARCH + `.tar.gz`},
		{"no such release", "v9.9.9", func(*fakeRelease) {},
			`could not download http://127\.0\.0\.1:\d+/releases/download/v9\.9\.9/apigw-preflight_9\.9\.9_checksums\.txt`},
		{"no release yet", "latest", func(f *fakeRelease) { f.latest = f.srv.URL + "/releases" },
			`no release found at http://127\.0\.0\.1:\d+/releases/latest; set version or build-from-source: true`},
		{"not a version", "main", func(*fakeRelease) {},
			`version "main": want a release such as v0\.2\.0, or latest`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rel, _ := newFakeRelease(t)
			c.edit(rel)
			r := runScript(t, "install.sh", t.TempDir(), "VERSION="+c.version, "FROM_SOURCE=false", "DOWNLOAD_URL="+rel.srv.URL+"/releases")
			if r.code == 0 || !regexp.MustCompile(`(^|\n)::error title=apigw-preflight::`+c.want+"\n$").MatchString(r.stderr) {
				t.Errorf("exit %d\nstderr:\n%s\nwant an error matching %s", r.code, r.stderr, c.want)
			}
			if r.outputs != "" || r.path != "" {
				t.Errorf("GITHUB_OUTPUT %q, GITHUB_PATH %q after a refusal", r.outputs, r.path)
			}
			if _, err := os.Stat(filepath.Join(r.temp, "apigw-preflight", "bin", "apigw-preflight")); !os.IsNotExist(err) {
				t.Errorf("a binary was installed after a refusal (%v)", err)
			}
		})
	}
}

// TestInstallFromSource builds the action's checkout and stamps the
// version of the release tag, or the commit, the workflow's uses: named.
func TestInstallFromSource(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	for ref, want := range map[string]string{
		"v9.8.7": "apigw-preflight 9.8.7\n",
		"main":   "apigw-preflight source\n",
		sha:      "apigw-preflight source\ncommit:    " + sha + "\n",
	} {
		r := runScript(t, "install.sh", t.TempDir(), "VERSION=latest", "FROM_SOURCE=true", "SOURCE_DIR="+root,
			"GITHUB_ACTION_REF="+ref, "DOWNLOAD_URL=http://127.0.0.1:1/unused")
		if r.code != 0 {
			t.Fatalf("%s: exit %d\nstderr:\n%s", ref, r.code, r.stderr)
		}
		exe := filepath.Join(r.temp, "apigw-preflight", "bin", "apigw-preflight")
		version, _, _ := strings.Cut(strings.TrimPrefix(want, "apigw-preflight "), "\n")
		if w := "path=" + exe + "\nversion=" + version + "\n"; r.outputs != w {
			t.Errorf("%s: GITHUB_OUTPUT:\n%s\nwant:\n%s", ref, r.outputs, w)
		}
		if !strings.HasPrefix(r.stdout, want) {
			t.Errorf("%s: version output %q, want it to begin %q", ref, r.stdout, want)
		}
	}
}

// --- action/run.sh ---------------------------------------------------------

func snapshotDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "snapshots"), 0o755); err != nil {
		t.Fatal(err)
	}
	for dst, src := range files {
		b, err := os.ReadFile(filepath.Join(root, "testdata", "snapshots", src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "snapshots", dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// direct runs the binary itself in dir, for what the action must pass on.
func direct(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// TestRunGateFailed: a failing gate is passed on as the exit-code output
// (the script itself succeeds, so the upload runs), the SARIF file is
// handed to the upload by its absolute path, stdout is the command's, and
// the summary holds the exit code's meaning and the markdown report (the
// tool has that format, so run.sh asks for it).
func TestRunGateFailed(t *testing.T) {
	dir := snapshotDir(t, map[string]string{"orders.json": "healthy.json", "payments.json": "../../policies/rules/https_policy/testdata/MIG003-tls-dropped.json"})
	report, code := direct(t, dir, "check", "--now", "2026-12-01T00:00:00Z", "-f", "text", "snapshots/orders.json", "snapshots/payments.json")
	if code != 3 {
		t.Fatalf("the sample gate: exit %d, want 3", code)
	}
	r := runScript(t, "run.sh", dir, "BIN="+binary, "ARGS=check --now 2026-12-01T00:00:00Z -f text -f sarif=preflight.sarif snapshots/*.json",
		"SARIF_FILE=preflight.sarif", "JOB_SUMMARY=true")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	if want := "exit-code=3\nsarif-path=" + filepath.Join(dir, "preflight.sarif") + "\n"; r.outputs != want {
		t.Errorf("GITHUB_OUTPUT:\n%s\nwant:\n%s", r.outputs, want)
	}
	if r.stdout != report {
		t.Errorf("stdout:\n%s\nwant the command's:\n%s", r.stdout, report)
	}
	md, _ := direct(t, dir, "check", "--now", "2026-12-01T00:00:00Z", "-f", "markdown", "snapshots/orders.json", "snapshots/payments.json")
	want := "### apigw-preflight check\n\nExit code 3: gate failed (findings at or above --fail-on).\n\n" + md + "\n"
	if !strings.Contains(md, "## apigw-preflight: FAIL") || r.summary != want {
		t.Errorf("summary:\n%s\nwant:\n%s", r.summary, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "preflight.sarif")); err != nil {
		t.Error(err)
	}
}

// TestRunPassed: a passing gate, args over several lines with a quoted
// name holding a space, and no summary when job-summary is false.
func TestRunPassed(t *testing.T) {
	dir := snapshotDir(t, map[string]string{"orders prod.json": "healthy.json"})
	report, code := direct(t, dir, "check", "--now", "2026-12-01T00:00:00Z", "snapshots/orders prod.json")
	if code != 0 {
		t.Fatalf("the healthy sample: exit %d", code)
	}
	args := "check --now 2026-12-01T00:00:00Z \\\n  --fail-on error\n  'snapshots/orders prod.json'\n"
	r := runScript(t, "run.sh", dir, "BIN="+binary, "ARGS="+args, "SARIF_FILE=", "JOB_SUMMARY=true")
	if r.code != 0 || r.outputs != "exit-code=0\n" || r.stdout != report {
		t.Errorf("exit %d, GITHUB_OUTPUT %q\nstdout:\n%s\nstderr:\n%s\nwant stdout:\n%s", r.code, r.outputs, r.stdout, r.stderr, report)
	}
	md, _ := direct(t, dir, "check", "--now", "2026-12-01T00:00:00Z", "-f", "markdown", "snapshots/orders prod.json")
	if want := "### apigw-preflight check\n\nExit code 0: gate passed (no finding at or above --fail-on).\n\n" + md + "\n"; !strings.Contains(md, "## apigw-preflight: PASS") || r.summary != want {
		t.Errorf("summary:\n%s\nwant:\n%s", r.summary, want)
	}
	r = runScript(t, "run.sh", dir, "BIN="+binary, "ARGS="+args, "SARIF_FILE=", "JOB_SUMMARY=false")
	if r.outputs != "exit-code=0\n" || r.summary != "" {
		t.Errorf("job-summary false: GITHUB_OUTPUT %q, summary %q", r.outputs, r.summary)
	}
}

// TestRunEdgeCases: a SARIF file the command did not write is a warning and
// no upload; args that are not a command line exit 2; a report holding a
// fence gets a longer one; a usage error's meaning comes from the tool.
func TestRunEdgeCases(t *testing.T) {
	dir := snapshotDir(t, map[string]string{"orders.json": "healthy.json"})
	r := runScript(t, "run.sh", dir, "BIN="+binary, "ARGS=check -f json snapshots/orders.json", "SARIF_FILE=preflight.sarif", "JOB_SUMMARY=false")
	if r.outputs != "exit-code=0\n" || !strings.Contains(r.stdout, "::warning title=apigw-preflight::preflight.sarif was not written (exit 0); nothing to upload. Does args include -f sarif=preflight.sarif?\n") {
		t.Errorf("missing SARIF: GITHUB_OUTPUT %q\nstdout:\n%s", r.outputs, r.stdout)
	}

	r = runScript(t, "run.sh", dir, "BIN="+binary, "ARGS=check 'snapshots/orders.json", "JOB_SUMMARY=true")
	if r.code != 0 || r.outputs != "exit-code=2\n" || !strings.Contains(r.stderr, "::error title=apigw-preflight::args: not a command line: check 'snapshots/orders.json") {
		t.Errorf("unbalanced quote: exit %d, GITHUB_OUTPUT %q\nstderr:\n%s", r.code, r.outputs, r.stderr)
	}

	r = runScript(t, "run.sh", dir, "BIN="+binary, "ARGS=check --no-such-flag snapshots/orders.json", "JOB_SUMMARY=true")
	if r.outputs != "exit-code=2\n" || r.summary != "### apigw-preflight check\n\nExit code 2: usage error or bad input (bad flag, unreadable or invalid snapshot or Terraform plan).\n\nThe command wrote no report to stdout.\n\n" {
		t.Errorf("usage error: GITHUB_OUTPUT %q\nsummary:\n%s", r.outputs, r.summary)
	}

	fake := filepath.Join(t.TempDir(), "fake")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n[ \"$1\" = check ] || exit 0\nprintf 'a ``` b\\n`````\\nno newline'\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r = runScript(t, "run.sh", dir, "BIN="+fake, "ARGS=check x", "JOB_SUMMARY=true")
	if want := "### apigw-preflight check\n\nExit code 0.\n\n``````text\na ``` b\n`````\nno newline\n``````\n\n"; r.summary != want {
		t.Errorf("fenced report:\n%s\nwant:\n%s", r.summary, want)
	}
}

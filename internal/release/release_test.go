package release

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// root is the repository root; binary the apigw-preflight command built
// from it once for the tests.
var root, binary string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		var err error
		if root, err = filepath.Abs(filepath.Join("..", "..")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		dir, err := os.MkdirTemp("", "apigw-preflight-release")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "apigw-preflight")
		build := exec.Command("go", "build", "-o", binary, "./cmd/apigw-preflight")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}())
}

func readFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readYAML decodes a file into v, refusing keys v does not declare, so a
// misspelt key fails the test instead of being ignored.
func readYAML(t *testing.T, rel string, v any) {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(readFile(t, rel)))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
}

// --- Dockerfiles -----------------------------------------------------------

type instruction struct {
	cmd  string // upper case: FROM, RUN, COPY, ...
	args string
	line int
}

type stage struct {
	name, base string
	body       []instruction
}

// parseDockerfile splits a Dockerfile into stages of instructions, joining
// continuation lines and dropping comments.
func parseDockerfile(t *testing.T, rel string) []stage {
	t.Helper()
	var stages []stage
	lines := strings.Split(readFile(t, rel), "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		text := strings.TrimSpace(lines[i])
		for strings.HasSuffix(text, `\`) && i+1 < len(lines) {
			i++
			text = strings.TrimSuffix(text, `\`) + " " + strings.TrimSpace(lines[i])
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cmd, args, _ := strings.Cut(text, " ")
		in := instruction{strings.ToUpper(cmd), strings.TrimSpace(args), start}
		switch {
		case in.cmd == "FROM":
			f := strings.Fields(in.args)
			st := stage{base: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			} else if len(f) != 1 {
				t.Fatalf("%s:%d: FROM %s: want IMAGE [AS NAME]", rel, start, in.args)
			}
			stages = append(stages, st)
		case len(stages) == 0:
			if in.cmd != "ARG" {
				t.Fatalf("%s:%d: %s before the first FROM", rel, start, in.cmd)
			}
		default:
			stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
		}
	}
	if len(stages) == 0 {
		t.Fatalf("%s: no FROM", rel)
	}
	return stages
}

func findStage(t *testing.T, rel string, stages []stage, name string) stage {
	t.Helper()
	for _, s := range stages {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("%s: no stage %q", rel, name)
	return stage{}
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.body {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// copySources returns the sources and the destination of a COPY, and its
// --from stage if any.
func copySources(t *testing.T, in instruction) (from string, srcs []string, dst string) {
	t.Helper()
	f := strings.Fields(in.args)
	for len(f) > 0 && strings.HasPrefix(f[0], "--") {
		if v, ok := strings.CutPrefix(f[0], "--from="); ok {
			from = v
		}
		f = f[1:]
	}
	if len(f) < 2 {
		t.Fatalf("line %d: COPY %s: want SRC... DST", in.line, in.args)
	}
	return from, f[:len(f)-1], f[len(f)-1]
}

// checkRuntimeStage asserts the shape of an image stage: a static base,
// no shell commands, a non-root user, the binary copied to the path the
// exec-form ENTRYPOINT runs. It returns the COPY sources of the binary.
func checkRuntimeStage(t *testing.T, rel string, s stage, bin string) []string {
	t.Helper()
	if s.base != "gcr.io/distroless/static:nonroot" && s.base != "scratch" {
		t.Errorf("%s: stage %s is FROM %s, want gcr.io/distroless/static:nonroot or scratch", rel, s.name, s.base)
	}
	if runs := s.all("RUN"); len(runs) > 0 {
		t.Errorf("%s:%d: stage %s runs a command; a static base has no shell", rel, runs[0].line, s.name)
	}
	users := s.all("USER")
	if len(users) == 0 {
		t.Errorf("%s: stage %s sets no USER; the image would run as root", rel, s.name)
	} else if u, _, _ := strings.Cut(users[len(users)-1].args, ":"); u == "root" || u == "0" || (s.base == "scratch" && !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(u)) {
		t.Errorf("%s: stage %s runs as USER %s, want a non-root user", rel, s.name, users[len(users)-1].args)
	}
	eps := s.all("ENTRYPOINT")
	if len(eps) != 1 {
		t.Fatalf("%s: stage %s has %d ENTRYPOINTs, want 1", rel, s.name, len(eps))
	}
	var ep []string
	if err := json.Unmarshal([]byte(eps[0].args), &ep); err != nil || len(ep) == 0 {
		t.Fatalf("%s:%d: ENTRYPOINT %s: want the exec form [\"/usr/local/bin/%s\"] (%v)", rel, eps[0].line, eps[0].args, bin, err)
	}
	if want := "/usr/local/bin/" + bin; !slices.Equal(ep, []string{want}) {
		t.Errorf("%s:%d: ENTRYPOINT %q, want [%q]", rel, eps[0].line, ep, want)
	}
	var srcs []string
	for _, in := range s.all("COPY") {
		_, ss, dst := copySources(t, in)
		if dst == ep[0] {
			srcs = append(srcs, ss...)
		}
	}
	if len(srcs) != 1 || path.Base(srcs[0]) != bin {
		t.Errorf("%s: stage %s copies %q to %s, want one file named %s", rel, s.name, srcs, ep[0], bin)
	}
	return srcs
}

// TestDockerfile: built from source in a golang stage with CGO_ENABLED=0
// and -trimpath; the default (last) target is the CLI, the emulator target
// the emulator, both static, non-root, exec-form ENTRYPOINT.
func TestDockerfile(t *testing.T) {
	const rel = "Dockerfile"
	stages := parseDockerfile(t, rel)
	build := findStage(t, rel, stages, "build")
	if !strings.HasPrefix(build.base, "golang:") {
		t.Errorf("%s: build stage FROM %s, want a golang image", rel, build.base)
	}
	var env, runs string
	for _, in := range build.all("ENV") {
		env += in.args + "\n"
	}
	for _, in := range build.all("RUN") {
		runs += in.args + "\n"
	}
	if !regexp.MustCompile(`(?m)^CGO_ENABLED=0$`).MatchString(env) {
		t.Errorf("%s: the build stage does not set ENV CGO_ENABLED=0 (ENV: %q)", rel, env)
	}
	for _, main := range []string{"./cmd/apigw-preflight", "./cmd/apigw-emulator"} {
		re := regexp.MustCompile(`go build -trimpath [^&]*-o /out/` + path.Base(main) + ` ` + regexp.QuoteMeta(main) + `(\s|$)`)
		if !re.MatchString(runs) {
			t.Errorf("%s: no `go build -trimpath ... -o /out/%s %s` in the build stage", rel, path.Base(main), main)
		}
	}
	if !strings.Contains(runs, "-X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}") {
		t.Errorf("%s: the CLI build does not stamp main.version, main.commit and main.date", rel)
	}
	if last := stages[len(stages)-1]; last.name != "apigw-preflight" {
		t.Errorf("%s: the default (last) target is %q, want apigw-preflight", rel, last.name)
	}
	for target, bin := range map[string]string{"apigw-preflight": "apigw-preflight", "emulator": "apigw-emulator"} {
		s := findStage(t, rel, stages, target)
		checkRuntimeStage(t, rel, s, bin)
		for _, in := range s.all("COPY") {
			from, srcs, _ := copySources(t, in)
			switch from {
			case "build":
				for _, src := range srcs {
					if src != "/out/"+bin {
						t.Errorf("%s:%d: copies %s from the build stage, which writes /out/%s", rel, in.line, src, bin)
					}
				}
			case "":
				for _, src := range srcs {
					if _, err := os.Stat(filepath.Join(root, src)); err != nil {
						t.Errorf("%s:%d: COPY %s: %v", rel, in.line, src, err)
					}
				}
			default:
				t.Errorf("%s:%d: COPY --from=%s: no such stage", rel, in.line, from)
			}
		}
	}
	// What the build copies must not be left out of the context.
	ignore := strings.Fields(readFile(t, ".dockerignore"))
	for _, need := range []string{"go.mod", "go.sum", "cmd", "policies", "testdata"} {
		for _, pat := range ignore {
			if ok, _ := path.Match(pat, need); ok {
				t.Errorf(".dockerignore pattern %q leaves %s out of the build context", pat, need)
			}
		}
	}
}

// --- .goreleaser.yaml ------------------------------------------------------

type goreleaserConfig struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Before      struct {
		Hooks []string `yaml:"hooks"`
	} `yaml:"before"`
	Builds []struct {
		ID           string   `yaml:"id"`
		Main         string   `yaml:"main"`
		Binary       string   `yaml:"binary"`
		Env          []string `yaml:"env"`
		Flags        []string `yaml:"flags"`
		Ldflags      []string `yaml:"ldflags"`
		ModTimestamp string   `yaml:"mod_timestamp"`
		Goos         []string `yaml:"goos"`
		Goarch       []string `yaml:"goarch"`
	} `yaml:"builds"`
	Archives []struct {
		ID              string   `yaml:"id"`
		IDs             []string `yaml:"ids"`
		NameTemplate    string   `yaml:"name_template"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
		Files []yaml.Node `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
	SBOMs []struct {
		ID        string `yaml:"id"`
		Artifacts string `yaml:"artifacts"`
	} `yaml:"sboms"`
	DockersV2 []struct {
		ID         string            `yaml:"id"`
		IDs        []string          `yaml:"ids"`
		Dockerfile string            `yaml:"dockerfile"`
		ExtraFiles []string          `yaml:"extra_files"`
		Images     []string          `yaml:"images"`
		Tags       []string          `yaml:"tags"`
		Platforms  []string          `yaml:"platforms"`
		Flags      []string          `yaml:"flags"`
		Labels     map[string]string `yaml:"labels"`
	} `yaml:"dockers_v2"`
	Snapshot  yaml.Node `yaml:"snapshot"`
	Changelog yaml.Node `yaml:"changelog"`
	Release   yaml.Node `yaml:"release"`
}

func loadGoreleaser(t *testing.T) goreleaserConfig {
	t.Helper()
	var c goreleaserConfig
	readYAML(t, ".goreleaser.yaml", &c)
	return c
}

// mainVars lists the package-level string variables of cmd/apigw-preflight,
// which -X can set.
func mainVars(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "cmd", "apigw-preflight", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
				for _, spec := range g.Specs {
					for _, n := range spec.(*ast.ValueSpec).Names {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	return names
}

// TestGoreleaserBuilds: both commands for linux, darwin and windows on
// amd64 and arm64, static and trimmed; the CLI's ldflags set variables
// main really has.
func TestGoreleaserBuilds(t *testing.T) {
	c := loadGoreleaser(t)
	if c.Version != 2 || c.ProjectName != "apigw-preflight" {
		t.Errorf("version %d, project_name %q: want 2 and apigw-preflight", c.Version, c.ProjectName)
	}
	mains := map[string]string{}
	for _, b := range c.Builds {
		mains[b.ID] = b.Main
		if "./cmd/"+b.Binary != b.Main {
			t.Errorf("build %s: binary %s from %s", b.ID, b.Binary, b.Main)
		}
		if _, err := os.Stat(filepath.Join(root, b.Main, "main.go")); err != nil {
			t.Errorf("build %s: %v", b.ID, err)
		}
		if !slices.Contains(b.Env, "CGO_ENABLED=0") || !slices.Contains(b.Flags, "-trimpath") {
			t.Errorf("build %s: env %q flags %q, want CGO_ENABLED=0 and -trimpath", b.ID, b.Env, b.Flags)
		}
		if !slices.Equal(b.Goos, []string{"linux", "darwin", "windows"}) || !slices.Equal(b.Goarch, []string{"amd64", "arm64"}) {
			t.Errorf("build %s: goos %q goarch %q, want linux, darwin, windows on amd64, arm64", b.ID, b.Goos, b.Goarch)
		}
	}
	if want := map[string]string{"apigw-preflight": "./cmd/apigw-preflight", "apigw-emulator": "./cmd/apigw-emulator"}; fmt.Sprint(mains) != fmt.Sprint(want) {
		t.Errorf("builds %v, want %v", mains, want)
	}
	vars := mainVars(t)
	for _, b := range c.Builds {
		if b.ID != "apigw-preflight" {
			continue
		}
		set := regexp.MustCompile(`-X main\.(\w+)=`).FindAllStringSubmatch(strings.Join(b.Ldflags, " "), -1)
		var got []string
		for _, m := range set {
			got = append(got, m[1])
			if !slices.Contains(vars, m[1]) {
				t.Errorf("ldflags set main.%s, which cmd/apigw-preflight does not declare", m[1])
			}
		}
		if !slices.Equal(got, []string{"version", "commit", "date"}) {
			t.Errorf("ldflags set %q, want main.version, main.commit and main.date", got)
		}
	}
}

// TestGoreleaserArtifacts: archives per command (zip on Windows), a
// SHA-256 checksums file and SBOMs of the archives.
func TestGoreleaserArtifacts(t *testing.T) {
	c := loadGoreleaser(t)
	ids := map[string][]string{}
	for _, a := range c.Archives {
		ids[a.ID] = a.IDs
		if !slices.Equal(a.Formats, []string{"tar.gz"}) || len(a.FormatOverrides) != 1 ||
			a.FormatOverrides[0].Goos != "windows" || !slices.Equal(a.FormatOverrides[0].Formats, []string{"zip"}) {
			t.Errorf("archive %s: formats %q overrides %+v, want tar.gz and zip on windows", a.ID, a.Formats, a.FormatOverrides)
		}
		if !strings.Contains(a.NameTemplate, "{{ .Version }}_{{ .Os }}_{{ .Arch }}") {
			t.Errorf("archive %s: name %q does not end in VERSION_OS_ARCH", a.ID, a.NameTemplate)
		}
	}
	if fmt.Sprint(ids) != fmt.Sprint(map[string][]string{"apigw-preflight": {"apigw-preflight"}, "apigw-emulator": {"apigw-emulator"}}) {
		t.Errorf("archives %v, want one per build", ids)
	}
	if c.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum algorithm %q, want sha256", c.Checksum.Algorithm)
	}
	if len(c.SBOMs) != 1 || c.SBOMs[0].Artifacts != "archive" {
		t.Errorf("sboms %+v, want one per archive", c.SBOMs)
	}
}

// TestGoreleaserDockers: each image is built from Dockerfile.goreleaser,
// at a target whose binary is the one of the build it names, copied from
// where GoReleaser puts it; every other file it copies is an extra file.
func TestGoreleaserDockers(t *testing.T) {
	c := loadGoreleaser(t)
	binaries := map[string]string{}
	for _, b := range c.Builds {
		binaries[b.ID] = b.Binary
	}
	images := map[string]string{}
	for _, d := range c.DockersV2 {
		if d.Dockerfile != "Dockerfile.goreleaser" {
			t.Errorf("dockers_v2 %s: dockerfile %q, want Dockerfile.goreleaser", d.ID, d.Dockerfile)
			continue
		}
		if !slices.Equal(d.Platforms, []string{"linux/amd64", "linux/arm64"}) {
			t.Errorf("dockers_v2 %s: platforms %q", d.ID, d.Platforms)
		}
		if len(d.IDs) != 1 || binaries[d.IDs[0]] == "" {
			t.Errorf("dockers_v2 %s: ids %q, want one build", d.ID, d.IDs)
			continue
		}
		var target string
		for _, f := range d.Flags {
			if v, ok := strings.CutPrefix(f, "--target="); ok {
				target = v
			}
		}
		stages := parseDockerfile(t, d.Dockerfile)
		s := findStage(t, d.Dockerfile, stages, target)
		bin := binaries[d.IDs[0]]
		srcs := checkRuntimeStage(t, d.Dockerfile, s, bin)
		if want := "${TARGETPLATFORM}/" + bin; !slices.Equal(srcs, []string{want}) {
			t.Errorf("%s: stage %s copies %q, want %s (where GoReleaser puts each platform's binary)", d.Dockerfile, target, srcs, want)
		}
		if !slices.ContainsFunc(s.all("ARG"), func(in instruction) bool { return in.args == "TARGETPLATFORM" }) {
			t.Errorf("%s: stage %s does not declare ARG TARGETPLATFORM", d.Dockerfile, target)
		}
		for _, in := range s.all("COPY") {
			from, ss, _ := copySources(t, in)
			for _, src := range ss {
				if from == "" && !strings.HasPrefix(src, "${TARGETPLATFORM}/") && !slices.Contains(d.ExtraFiles, src) {
					t.Errorf("%s:%d: stage %s copies %s, which dockers_v2 %s does not put in the context (extra_files %q)", d.Dockerfile, in.line, target, src, d.ID, d.ExtraFiles)
				}
			}
		}
		for _, f := range d.ExtraFiles {
			if _, err := os.Stat(filepath.Join(root, f)); err != nil {
				t.Errorf("dockers_v2 %s: extra file: %v", d.ID, err)
			}
		}
		images[d.ID] = strings.Join(d.Images, ",") + "@" + target
	}
	want := map[string]string{
		"apigw-preflight": "ghcr.io/apigw-preflight/apigw-preflight@apigw-preflight",
		"apigw-emulator":  "ghcr.io/apigw-preflight/apigw-emulator@emulator",
	}
	if fmt.Sprint(images) != fmt.Sprint(want) {
		t.Errorf("images %v, want %v", images, want)
	}
}

// --- .pre-commit-hooks.yaml ------------------------------------------------

type hook struct {
	ID          string   `yaml:"id"`
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Entry       string   `yaml:"entry"`
	Language    string   `yaml:"language"`
	Files       string   `yaml:"files"`
	Types       []string `yaml:"types"`
}

// TestPreCommitHooks: two hooks, built from this module by pre-commit's
// golang language: one whose file pattern picks snapshot files and whose
// entry checks them (a clean snapshot passes, a failing one fails), one for
// Terraform plan files (an in-place change passes, a replacement fails).
func TestPreCommitHooks(t *testing.T) {
	var hooks []hook
	readYAML(t, ".pre-commit-hooks.yaml", &hooks)
	if len(hooks) != 2 {
		t.Fatalf("%d hooks, want 2 (apigw-preflight-check, apigw-preflight-terraform-plan)", len(hooks))
	}
	testPlanHook(t, hooks[1])
	h := hooks[0]
	if h.ID != "apigw-preflight-check" || h.Language != "golang" || h.Entry != "apigw-preflight check" || h.Description == "" {
		t.Errorf("hook %+v: want id apigw-preflight-check, language golang, entry \"apigw-preflight check\", a description", h)
	}
	// pre-commit's golang language runs go install ./... at the root: the
	// entry's command must be a main package there.
	if _, err := os.Stat(filepath.Join(root, "cmd", "apigw-preflight", "main.go")); err != nil {
		t.Error(err)
	}
	files, err := regexp.Compile(h.Files) // Python's re and Go's agree on this subset
	if err != nil {
		t.Fatalf("files %q: %v", h.Files, err)
	}
	for p, want := range map[string]bool{
		"snapshots/orders.json":             true,
		"infra/snapshots/orders.json":       true,
		"orders.snapshot.json":              true,
		"migrations/orders.snapshot.json":   true,
		"snapshots/orders.yaml":             false,
		"snapshots/old/orders.json":         false,
		"package.json":                      false,
		"orders.snapshot.json.bak":          false,
		"mysnapshots/orders.json":           false,
		"snapshots.json":                    false,
		"testdata/snapshots/healthy.json":   true,
		"testdata/snapshots/firing/x.json":  false,
		".snapshot.json":                    false,
		"snapshot.json":                     false,
		"a/b/c/payments-prod.snapshot.json": true,
	} {
		if got := files.MatchString(p); got != want {
			t.Errorf("files pattern on %s: %v, want %v", p, got, want)
		}
	}
	run := func(files ...string) int { return runHook(t, h, files...) }
	if code := run("testdata/snapshots/healthy.json", "testdata/snapshots/vpc-connect-healthy.json"); code != 0 {
		t.Errorf("hook on the healthy samples: exit %d, want 0", code)
	}
	if code := run("testdata/snapshots/healthy.json", "policies/rules/https_policy/testdata/MIG003-tls-dropped.json"); code != 3 {
		t.Errorf("hook with a failing snapshot: exit %d, want 3", code)
	}
}

func testPlanHook(t *testing.T, h hook) {
	t.Helper()
	if h.ID != "apigw-preflight-terraform-plan" || h.Language != "golang" || h.Entry != "apigw-preflight check" || h.Description == "" {
		t.Errorf("hook %+v: want id apigw-preflight-terraform-plan, language golang, entry \"apigw-preflight check\", a description", h)
	}
	files, err := regexp.Compile(h.Files)
	if err != nil {
		t.Fatalf("files %q: %v", h.Files, err)
	}
	for p, want := range map[string]bool{
		"plan.tfplan.json":           true,
		"infra/prod.tfplan.json":     true,
		"plan.json":                  false,
		"prod.tfplan.json.bak":       false,
		".tfplan.json":               false,
		"snapshots/orders.json":      false,
		"infra/prod.tfplan":          false,
		"orders.snapshot.json":       false,
		"a/b/staging-eu.tfplan.json": true,
	} {
		if got := files.MatchString(p); got != want {
			t.Errorf("plan files pattern on %s: %v, want %v", p, got, want)
		}
	}
	run := func(files ...string) int { return runHook(t, h, files...) }
	if code := run("testdata/terraform/in-place.json", "testdata/terraform/other-resources.json"); code != 0 {
		t.Errorf("plan hook on in-place plans: exit %d, want 0", code)
	}
	if code := run("testdata/terraform/replace-instance.json"); code != 3 {
		t.Errorf("plan hook on a replacing plan: exit %d, want 3", code)
	}
}

// runHook runs a hook's entry on files from the repository root, with the
// binary under test standing in for the command, and returns its exit code.
func runHook(t *testing.T, h hook, files ...string) int {
	t.Helper()
	entry := strings.Fields(h.Entry)
	cmd := exec.Command(binary, append(entry[1:], files...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0
}

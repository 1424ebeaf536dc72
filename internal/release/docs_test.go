package release

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestGoreleaserManAndCompletions: GoReleaser's before hook runs
// scripts/release-docs.sh with the release's version and date; the script
// writes one man page for the tool and one per command of its help, and a
// completion script per shell, the very ones the command prints; the CLI's
// archive carries them all, the pages under man/man1, the scripts under
// completions/.
func TestGoreleaserManAndCompletions(t *testing.T) {
	c := loadGoreleaser(t)
	const script = "./scripts/release-docs.sh"
	if want := script + " {{ .Version }} {{ .CommitDate }}"; !slices.Equal(c.Before.Hooks, []string{want}) {
		t.Fatalf("before hooks %q, want [%q]", c.Before.Hooks, want)
	}
	out := t.TempDir()
	cmd := exec.Command(script, "9.8.7", "2026-12-01T10:00:00Z")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, b)
	}

	// The pages: apigw-preflight.1 and one per command the help lists.
	help, err := exec.Command(binary, "--help").Output()
	if err != nil {
		t.Fatal(err)
	}
	wantPages := []string{"apigw-preflight.1"}
	_, cmds, _ := strings.Cut(string(help), "\nCommands:\n")
	for _, line := range strings.Split(cmds, "\n") {
		if !strings.HasPrefix(line, "  ") {
			break
		}
		wantPages = append(wantPages, "apigw-preflight-"+strings.Fields(line)[0]+".1")
	}
	slices.Sort(wantPages)
	gotPages := listDir(t, filepath.Join(out, "man"))
	if len(wantPages) < 5 || !slices.Equal(gotPages, wantPages) {
		t.Errorf("man pages %q, want %q", gotPages, wantPages)
	}
	check, err := os.ReadFile(filepath.Join(out, "man", "apigw-preflight-check.1"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `.TH "APIGW\-PREFLIGHT\-CHECK" 1 "2026-12-01" "apigw\-preflight 9.8.7" "apigw\-preflight manual"`; !strings.Contains(string(check), want+"\n") {
		t.Errorf("apigw-preflight-check.1 has no title line %s", want)
	}

	// The scripts: what 'completion SHELL' prints.
	scripts := map[string]string{"bash": "apigw-preflight.bash", "zsh": "_apigw-preflight", "fish": "apigw-preflight.fish", "powershell": "apigw-preflight.ps1"}
	var wantScripts []string
	for shell, file := range scripts {
		wantScripts = append(wantScripts, file)
		want, err := exec.Command(binary, "completion", shell).Output()
		if err != nil {
			t.Fatalf("completion %s: %v", shell, err)
		}
		got, err := os.ReadFile(filepath.Join(out, "completions", file))
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || string(got) != string(want) {
			t.Errorf("completions/%s is not the output of 'completion %s'", file, shell)
		}
	}
	slices.Sort(wantScripts)
	if got := listDir(t, filepath.Join(out, "completions")); !slices.Equal(got, wantScripts) {
		t.Errorf("completion scripts %q, want %q", got, wantScripts)
	}

	// The CLI's archive takes each generated file to its place.
	generated := map[string]string{}
	for _, p := range gotPages {
		generated["out/man/"+p] = "man/man1/" + p
	}
	for _, s := range wantScripts {
		generated["out/completions/"+s] = "completions/" + s
	}
	for _, a := range c.Archives {
		if a.ID != "apigw-preflight" {
			continue
		}
		for file, wantDst := range generated {
			var dsts []string
			for _, n := range a.Files {
				var f struct {
					Src         string `yaml:"src"`
					Dst         string `yaml:"dst"`
					StripParent bool   `yaml:"strip_parent"`
				}
				if n.Kind == yaml.ScalarNode { // a plain path
					f.Src = n.Value
				} else if err := n.Decode(&f); err != nil {
					t.Fatal(err)
				}
				if ok, _ := path.Match(f.Src, file); !ok {
					continue
				}
				dst := file
				if f.StripParent {
					dst = path.Base(file)
				}
				dsts = append(dsts, path.Join(f.Dst, dst))
			}
			if !slices.Equal(dsts, []string{wantDst}) {
				t.Errorf("archive apigw-preflight puts %s at %q, want %s", file, dsts, wantDst)
			}
		}
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

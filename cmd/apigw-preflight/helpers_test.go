package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The Go tests here cover what a script cannot say: signals, locks,
// concurrent runs, a terminal, hooks into the cloud between two reads,
// special files. The end-to-end behaviour of the commands is in the
// scripts of testdata/script (TestScripts).

// cliConfigFile is the ./.apigw-preflight.yaml of the tests against the
// shared world: it gives the orders backend its allowlist.
const cliConfigFile = `
allowlists:
  - match: 47.97.3.3
    allow: [47.96.0.0/16]
failOn: error
`

// goodKeys are the shared world's access key and region.
var goodKeys = []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=testid", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=testsecret", "ALIBABA_CLOUD_REGION_ID=cn-hangzhou"}

type cliResult struct {
	code           int
	stdout, stderr string
}

// cliCommand is apigw-preflight (the copy of the test binary TestMain put
// on PATH) in dir, without colour, with no ALIBABA_CLOUD_* variables but
// those in env, HOME at an empty directory and no ECS metadata lookups, so
// no test can pick up real credentials.
func cliCommand(t *testing.T, dir string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("apigw-preflight")
	if err != nil {
		t.Fatalf("apigw-preflight is not on PATH (TestMain puts it there): %v", err)
	}
	if !strings.HasPrefix(filepath.Base(filepath.Dir(filepath.Dir(bin))), "testscript-main") {
		t.Fatalf("apigw-preflight on PATH is %s, not the test binary TestMain put there", bin)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "ALIBABA_CLOUD_") && k != "HOME" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "NO_COLOR=1", "HOME="+t.TempDir(), "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// runCLI runs apigw-preflight in dir with an empty stdin and env (see
// cliCommand) and returns its exit code and output.
func runCLI(t *testing.T, dir string, env []string, args ...string) cliResult {
	t.Helper()
	return runCmd(t, cliCommand(t, dir, env, args...))
}

// runCmd runs a prepared command and returns its exit code and output.
func runCmd(t *testing.T, cmd *exec.Cmd) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cliResult{code, out.String(), errb.String()}
}

func repoFile(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// mutate writes a copy of the healthy sample changed by f into dir.
func mutate(t *testing.T, dir, name string, f func(map[string]any)) string {
	t.Helper()
	raw, err := os.ReadFile(repoFile(t, "testdata/snapshots/healthy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	f(doc)
	out, _ := json.MarshalIndent(doc, "", "  ")
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The top-level help lists every command of the registry (the scripts
// check the help of each command).
func TestHelpListsEveryCommand(t *testing.T) {
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	if code := run(context.Background(), e, []string{"--help"}); code != exitPass || errb.Len() != 0 {
		t.Fatalf("--help: exit %d, stderr %q", code, errb.String())
	}
	for _, c := range commands() {
		if !strings.Contains(out.String(), "\n  "+c.name+" ") {
			t.Errorf("--help lacks command %s:\n%s", c.name, out.String())
		}
	}
}

package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigw-preflight/apigw-preflight/policies"
)

func packVersion(t *testing.T) string {
	t.Helper()
	v, err := policies.PackVersion()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestVersionStamped builds the binary the way make build and GoReleaser
// do, with the version, commit and date set through -ldflags, and checks
// that `version` and `--version` print exactly them and the rule pack.
func TestVersionStamped(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "apigw-preflight")
	ldflags := "-X main.version=1.2.3 -X main.commit=0123456789abcdef0123456789abcdef01234567 -X main.date=2026-12-01T10:00:00Z"
	if out, err := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	want := "apigw-preflight 1.2.3\n" +
		"commit:    0123456789abcdef0123456789abcdef01234567\n" +
		"built:     2026-12-01T10:00:00Z\n" +
		"rule pack: " + packVersion(t) + "\n"
	for _, arg := range []string{"version", "--version", "-v"} {
		var out, errb bytes.Buffer
		cmd := exec.Command(bin, arg)
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s", arg, err, errb.String())
		}
		if out.String() != want || errb.Len() != 0 {
			t.Errorf("%s:\nstdout:\n%s\nstderr:\n%s\nwant stdout:\n%s", arg, out.String(), errb.String(), want)
		}
	}
}

// TestVersionUnstamped: a plain go build reports what the toolchain
// recorded in the binary (go version -m), and "unknown" for what it did not.
func TestVersionUnstamped(t *testing.T) {
	binary := filepath.Join(t.TempDir(), "apigw-preflight")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	info, err := exec.Command("go", "version", "-m", binary).Output()
	if err != nil {
		t.Fatal(err)
	}
	modVersion, settings := "", map[string]string{}
	for _, line := range strings.Split(string(info), "\n") {
		f := strings.Split(strings.TrimSpace(line), "\t")
		switch {
		case len(f) >= 3 && f[0] == "mod":
			modVersion = f[2]
		case len(f) == 2 && f[0] == "build":
			k, v, _ := strings.Cut(f[1], "=")
			settings[k] = v
		}
	}
	or := func(v, fallback string) string {
		if v == "" || v == "(devel)" {
			return fallback
		}
		return v
	}
	want := "apigw-preflight " + or(modVersion, "0.1.0-dev") + "\n" +
		"commit:    " + or(settings["vcs.revision"], "unknown") + "\n" +
		"built:     " + or(settings["vcs.time"], "unknown") + "\n" +
		"rule pack: " + packVersion(t) + "\n"
	var out, errb bytes.Buffer
	cmd := exec.Command(binary, "version")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || out.String() != want || errb.Len() != 0 {
		t.Errorf("version: %v\nstdout:\n%s\nstderr:\n%s\nwant stdout:\n%s", err, out.String(), errb.String(), want)
	}
}

// TestVersionInProcess: the variables main.version, main.commit and
// main.date are the ones printed.
func TestVersionInProcess(t *testing.T) {
	saved := [3]string{version, commit, date}
	t.Cleanup(func() { version, commit, date = saved[0], saved[1], saved[2] })
	version, commit, date = "0.2.0", "abc1234", "2026-12-01T11:00:00Z"
	var out, errb bytes.Buffer
	code := run(context.Background(), &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, []string{"version"})
	want := "apigw-preflight 0.2.0\ncommit:    abc1234\nbuilt:     2026-12-01T11:00:00Z\nrule pack: " + packVersion(t) + "\n"
	if code != 0 || out.String() != want || errb.Len() != 0 {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant:\n%s", code, out.String(), errb.String(), want)
	}
}

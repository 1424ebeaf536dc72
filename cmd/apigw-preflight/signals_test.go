//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// signalOn sends sig to the process once the emulator receives the n-th
// request for action, and holds that request until the process has ended,
// so the signal always arrives while the call is in flight.
func signalOn(me *migrateEmulator, p **proc, action string, n int, sig syscall.Signal) {
	var once sync.Once
	me.setHook(func(a, group string, k int) {
		if a != action || k != n {
			return
		}
		once.Do(func() {
			_ = (*p).cmd.Process.Signal(sig)
			<-(*p).done
		})
	})
}

func TestSignalDuringACloudCall(t *testing.T) {
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		code int
		args func(me *migrateEmulator) []string
	}{
		{"collect, SIGTERM", syscall.SIGTERM, 143, func(me *migrateEmulator) []string {
			return []string{"collect", "--group", "g-orders", "--to", dest, "--endpoint", me.url, "-o", "snap.json"}
		}},
		{"run, SIGINT", syscall.SIGINT, 130, func(me *migrateEmulator) []string {
			return []string{"run", "--group", "g-orders", "--to", dest, "--endpoint", me.url}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			me := startMigrateEmulator(t)
			dir := t.TempDir()
			var p *proc
			signalOn(me, &p, "DescribeApis", 1, tc.sig)
			p = startCLI(t, dir, nil, goodKeys, tc.args(me)...)
			if code := p.wait(t); code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tc.code, p.stderr)
			}
			if !strings.Contains(p.stderr.String(), "interrupted by "+signalName(tc.sig)) {
				t.Errorf("stderr does not say which signal:\n%s", p.stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "snap.json")); err == nil {
				t.Error("an interrupted collect wrote its snapshot")
			}
		})
	}
}

func TestSignalWhileWaitingForTheMigration(t *testing.T) {
	me := startMigrateEmulator(t)
	dir := t.TempDir()
	var p *proc
	// The fourth read of the group is the first poll after the write.
	signalOn(me, &p, "DescribeApiGroup", 4, syscall.SIGTERM)
	p = startCLI(t, dir, nil, goodKeys, migrateArgs(me, "g-slow", "--yes", "--audit-log", "audit.jsonl")...)
	if code := p.wait(t); code != 143 {
		t.Errorf("exit %d, want 143\nstderr: %s", code, p.stderr)
	}
	if !strings.Contains(p.stderr.String(), "interrupted while waiting; the migration may still complete") {
		t.Errorf("stderr:\n%s", p.stderr)
	}
	a := auditOutcome(t, filepath.Join(dir, "audit.jsonl"))
	if a["status"] != "interrupted" || a["writeSent"] != true || a["migrationStarted"] != true {
		t.Errorf("audit = %v", a)
	}
	if n := me.srv.Calls("ModifyApiGroupInstance"); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
	}
}

// The intent line is on disk before the write leaves: a process killed
// while its write is in flight leaves a record of it.
func TestAuditIntentSurvivesAKill(t *testing.T) {
	me := startMigrateEmulator(t)
	dir := t.TempDir()
	var p *proc
	signalOn(me, &p, "ModifyApiGroupInstance", 1, syscall.SIGKILL)
	p = startCLI(t, dir, nil, goodKeys, migrateArgs(me, "g-orders", "--yes", "--audit-log", "audit.jsonl")...)
	if code := p.wait(t); code != -1 {
		t.Errorf("exit %d, want killed\nstderr: %s", code, p.stderr)
	}
	lines := auditLines(t, filepath.Join(dir, "audit.jsonl"))
	if len(lines) != 1 {
		t.Fatalf("audit lines = %v, want the intent line only", lines)
	}
	in := lines[0]
	if in["status"] != "intent" || in["group"] != "g-orders" || in["destination"] != dest || in["recheckVerdict"] != "pass" ||
		in["consent"] != "yes-flag" || in["finished"] != nil {
		t.Errorf("intent line = %v", in)
	}
	if s, _ := in["attempt"].(string); len(s) != 16 {
		t.Errorf("intent line has no attempt ID: %v", in)
	}
	// The write was applied: the next run finds it in flight and waits
	// for it instead of sending another.
	r := runCLI(t, dir, goodKeys, migrateArgs(me, "g-orders", "--yes", "--audit-log", "audit.jsonl")...)
	if r.code != 0 || !strings.Contains(r.stderr, "has a migration in flight") {
		t.Errorf("next run: exit %d\n%s", r.code, r.stderr)
	}
	if n := me.srv.Calls("ModifyApiGroupInstance"); n != 1 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 1", n)
	}
}

func TestAuditLogThatCannotBeWritten(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	me := startMigrateEmulator(t)
	dir := t.TempDir()
	write(t, dir, ".apigw-preflight.yaml", cliConfigFile)
	r := runCLI(t, dir, goodKeys, migrateArgs(me, "g-orders", "--yes", "--audit-log", "/dev/full")...)
	if r.code != 1 || !strings.Contains(r.stderr, "the intent line could not be appended to the audit log") ||
		!strings.Contains(r.stderr, "no write is sent without it; nothing was written") {
		t.Errorf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	if n := me.srv.Calls("ModifyApiGroupInstance"); n != 0 {
		t.Errorf("ModifyApiGroupInstance calls = %d, want 0", n)
	}
}

// run maps a context a signal cancelled to 130 or 143, whatever the
// command returned.
func TestRunExitCodeOfASignal(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		dir := t.TempDir()
		snap := mutate(t, dir, "s.json", func(map[string]any) {})
		for _, args := range [][]string{{"check", snap}, {"version"}} {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(&signalCause{sig: tc.sig})
			var out, errb bytes.Buffer
			e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
			if code := run(ctx, e, args); code != tc.code {
				t.Errorf("%v after %s: exit %d, want %d\n%s", args, signalName(tc.sig), code, tc.code, errb.String())
			}
			if !strings.Contains(errb.String(), "interrupted by "+signalName(tc.sig)) {
				t.Errorf("%v: stderr %q does not name the signal", args, errb.String())
			}
		}
	}
	// A context cancelled without a signal is no interruption.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	if code := run(ctx, &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, []string{"version"}); code != 0 {
		t.Errorf("version with a plain cancelled context: exit %d", code)
	}
}

//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair; the process under test gets the
// terminal end as its stdin, so it prompts as on a real terminal.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		m.Close()
		t.Skipf("unlock pty: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		m.Close()
		t.Skipf("pty number: %v", e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("open pty: %v", err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// Ctrl-C (SIGINT) or SIGTERM at the consent prompt aborts at once, with
// the audit line written and nothing sent.
func TestSignalAtTheConsentPrompt(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(signalName(tc.sig), func(t *testing.T) {
			me := startMigrateEmulator(t)
			dir := t.TempDir()
			write(t, dir, ".apigw-preflight.yaml", cliConfigFile)
			_, tty := openPTY(t)
			p := startCLI(t, dir, tty, goodKeys, migrateArgs(me, "g-orders", "--audit-log", "audit.jsonl")...)
			p.waitStderr(t, "Type the group name (orders) to migrate it now")
			if err := p.cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			if code := p.wait(t); code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tc.code, p.stderr)
			}
			if !strings.Contains(p.stderr.String(), "aborted at the confirmation prompt; nothing was written") {
				t.Errorf("stderr:\n%s", p.stderr)
			}
			a := auditOutcome(t, filepath.Join(dir, "audit.jsonl"))
			if a["status"] != "aborted" || a["consent"] != "interrupted" || a["writeSent"] != false {
				t.Errorf("audit = %v", a)
			}
			if n := me.srv.Calls("ModifyApiGroupInstance"); n != 0 {
				t.Errorf("ModifyApiGroupInstance calls = %d, want 0", n)
			}
		})
	}
}

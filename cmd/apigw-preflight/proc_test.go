package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an output stream a test reads while the process writes.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is apigw-preflight running in the background.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan struct{}
	err            error
}

// startCLI starts apigw-preflight in dir as runCLI runs it (see
// cliCommand), with stdin (nil: an empty stream).
func startCLI(t *testing.T, dir string, stdin *os.File, env []string, args ...string) *proc {
	t.Helper()
	cmd := cliCommand(t, dir, env, args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	p := &proc{cmd: cmd, stdout: newSyncBuffer(), stderr: newSyncBuffer(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// procGuard bounds how long a test waits on a process that misbehaves; it
// only turns a hang into a failure, it measures nothing.
const procGuard = 2 * time.Minute

// wait waits for the process to end and returns its exit code (-1 when a
// signal killed it).
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(procGuard):
		t.Fatalf("the process did not end\nstderr: %s", p.stderr)
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
	return 0
}

// waitStderr waits until stderr holds want.
func (p *proc) waitStderr(t *testing.T, want string) {
	t.Helper()
	guard := time.After(procGuard)
	for !strings.Contains(p.stderr.String(), want) {
		select {
		case <-p.stderr.changed:
		case <-p.done:
			if !strings.Contains(p.stderr.String(), want) {
				t.Fatalf("the process ended before writing %q\nstderr: %s", want, p.stderr)
			}
		case <-guard:
			t.Fatalf("no %q on stderr\nstderr: %s", want, p.stderr)
		}
	}
}

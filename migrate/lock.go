package migrate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultLockTimeout bounds the wait for another run's lock on a group.
const DefaultLockTimeout = 30 * time.Second

// lockPoll is the pause between two tries of a held lock.
const lockPoll = 50 * time.Millisecond

// errLockHeld is what tryLock returns while another holder has the lock.
var errLockHeld = errors.New("held by another process")

// DefaultLockDir is where the group locks live: apigw-preflight/locks in
// the user's cache directory ($XDG_CACHE_HOME or ~/.cache on Linux).
func DefaultLockDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the group locks (%v): set XDG_CACHE_HOME or HOME", err)
	}
	return filepath.Join(dir, "apigw-preflight", "locks"), nil
}

// groupLock is an exclusive lock on one group, held by this process
// through an open lock file. The file is never removed: removing it would
// let two processes lock two different files of the same name.
type groupLock struct {
	f    *os.File
	path string
}

// lockName is the lock file of a group: <region>-<group>.lock, with any
// character outside [A-Za-z0-9._-] replaced.
func lockName(region, group string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
				return r
			}
			return '_'
		}, s)
	}
	if region == "" {
		return clean(group) + ".lock"
	}
	return clean(region) + "-" + clean(group) + ".lock"
}

// lockGroup takes the exclusive lock of a group, waiting up to timeout for
// another holder to let go. It says once that it waits. The error says
// who holds the lock when the wait ends; it wraps ctx.Err() when ctx ended
// the wait.
func (r *run) lockGroup(ctx context.Context, region, gid string, timeout time.Duration) (*groupLock, error) {
	m := r.m
	dir := m.LockDir
	if dir == "" {
		d, err := DefaultLockDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the lock directory: %w", err)
	}
	path := filepath.Join(dir, lockName(region, gid))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the group lock: %w", err)
	}
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	deadline := m.now().Add(timeout)
	said := false
	for {
		err := tryLock(f)
		if err == nil {
			break
		}
		if !errors.Is(err, errLockHeld) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		holder := lockHolder(path)
		if !m.now().Before(deadline) {
			f.Close()
			return nil, &lockBusyError{path: path, holder: holder, waited: timeout}
		}
		if !said {
			said = true
			fmt.Fprintf(m.Out, "Another apigw-preflight run holds the lock on group %s (%s%s); waiting up to %s for it to end...\n",
				groupLabel(r.first), path, holder, timeout)
		}
		if err := m.sleep(ctx, min(lockPoll, max(deadline.Sub(m.now()), 0))); err != nil {
			f.Close()
			return nil, err
		}
	}
	// Who holds it, for the message of a run that has to wait.
	if err := f.Truncate(0); err == nil {
		host, _ := os.Hostname()
		fmt.Fprintf(f, "pid %d on %s since %s\n", os.Getpid(), host, m.now().UTC().Format(time.RFC3339))
	}
	return &groupLock{f: f, path: path}, nil
}

// unlock lets go of the lock; calling it again does nothing.
func (l *groupLock) unlock() {
	if l == nil || l.f == nil {
		return
	}
	_ = unlockFile(l.f)
	l.f.Close()
	l.f = nil
}

// lockHolder reads what the holder wrote into the lock file, as
// ", held by pid N on HOST since T", or "" when there is nothing to say.
func lockHolder(path string) string {
	raw, err := os.ReadFile(path)
	s := strings.TrimSpace(string(raw))
	if err != nil || s == "" || len(s) > 200 {
		return ""
	}
	return ", held by " + s
}

// lockBusyError is a lock still held when the wait ended.
type lockBusyError struct {
	path, holder string
	waited       time.Duration
}

func (e *lockBusyError) Error() string {
	return fmt.Sprintf("another apigw-preflight run still holds the lock %s%s after %s", e.path, e.holder, e.waited)
}

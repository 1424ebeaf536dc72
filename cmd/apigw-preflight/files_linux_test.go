package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// mknodLike makes a character device in dir with the device numbers of
// the device at model; it skips the test when that is not allowed (not
// root, or a file system mounted nodev).
func mknodLike(t *testing.T, dir, name, model string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("making a device node needs root")
	}
	var st syscall.Stat_t
	if err := syscall.Stat(model, &st); err != nil {
		t.Skipf("%s: %v", model, err)
	}
	p := filepath.Join(dir, name)
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, int(st.Rdev)); err != nil {
		t.Skipf("mknod: %v", err)
	}
	if f, err := os.OpenFile(p, os.O_WRONLY, 0); err != nil {
		t.Skipf("the device node cannot be opened here: %v", err)
	} else {
		f.Close()
	}
	return p
}

// assertCharDevice fails unless name is still a character device with the
// device numbers of model.
func assertCharDevice(t *testing.T, name, model string) {
	t.Helper()
	var got, want syscall.Stat_t
	if err := syscall.Lstat(name, &got); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Stat(model, &want); err != nil {
		t.Fatal(err)
	}
	if got.Mode&syscall.S_IFMT != syscall.S_IFCHR || got.Rdev != want.Rdev {
		t.Errorf("%s: mode %o rdev %d; want the character device %d of %s", name, got.Mode, got.Rdev, want.Rdev, model)
	}
}

// As root, check -f sarif=X with X a character device made with mknod (a
// copy of /dev/null) writes to the device and leaves X a character
// device; the other reports are written.
func TestOutputToCharacterDevice(t *testing.T) {
	dir := t.TempDir()
	ref := reference(t, dir)
	dev := mknodLike(t, dir, "null", "/dev/null")
	r := runCLI(t, dir, nil, "check", "--now", testNow, "-f", "sarif=null", "-f", "json=r.json", repoFile(t, "testdata/snapshots/healthy.json"))
	if r.code != exitPass {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	assertCharDevice(t, dev, "/dev/null")
	assertCharDevice(t, "/dev/null", "/dev/null")
	if !bytes.Equal(readFile(t, filepath.Join(dir, "r.json")), ref["json"]) {
		t.Error("r.json does not hold the json report")
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"null", "r.json"}) {
		t.Errorf("dir holds %v", got)
	}
}

// The write reaches the device itself: a copy of /dev/full (1,7) made with
// mknod answers the write with ENOSPC, so the run fails with exit 1 naming
// it (a rename over the node would have "succeeded"), and the node stays a
// character device; no other report is written.
func TestOutputToCharacterDeviceIsWritten(t *testing.T) {
	dir := t.TempDir()
	dev := mknodLike(t, dir, "full", "/dev/full")
	r := runCLI(t, dir, nil, "check", "--now", testNow, "-f", "json=r.json", "-f", "sarif=full", repoFile(t, "testdata/snapshots/healthy.json"))
	want := "apigw-preflight: write sarif report to full: no space left on device\n"
	if r.code != exitToolError || r.stderr != want {
		t.Fatalf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
	assertCharDevice(t, dev, "/dev/full")
	if got := listDir(t, dir); !slices.Equal(got, []string{"full"}) {
		t.Errorf("dir holds %v", got)
	}
}

// /dev/full: the write fails with ENOSPC; exit 1 with a clear message,
// and nothing else is written: no report file, nothing on stdout, existing
// files as they were, no temporary file, /dev/full still a device.
func TestOutputDeviceFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	write(t, dir, "keep.xml", "old\n")
	r := runCLI(t, dir, nil, "check", "--now", testNow, "-f", "json=r.json", "-f", "junit=keep.xml", "-f", "sarif=/dev/full", "-f", "text",
		repoFile(t, "testdata/snapshots/healthy.json"))
	want := "apigw-preflight: write sarif report to /dev/full: no space left on device\n"
	if r.code != exitToolError || r.stderr != want || r.stdout != "" {
		t.Fatalf("exit %d, stdout %.100q, stderr %q; want 1 and %q", r.code, r.stdout, r.stderr, want)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"keep.xml"}) {
		t.Errorf("dir holds %v", got)
	}
	if got := string(readFile(t, filepath.Join(dir, "keep.xml"))); got != "old\n" {
		t.Errorf("keep.xml replaced: %.100q", got)
	}
	assertCharDevice(t, "/dev/full", "/dev/full")
	// The snapshot writer follows the same rule.
	r = runCLI(t, dir, nil, "run", "--group", "g", "--to", "i", "--snapshot-out", "/dev/full", "-f", "json=/dev/full")
	if r.code != exitUsage || !strings.Contains(r.stderr, "name the same file") {
		t.Errorf("run with two outputs on /dev/full: exit %d, %s", r.code, r.stderr)
	}
}

// A block device is refused with exit 2 and left alone.
func TestOutputRefusesBlockDevice(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("making a device node needs root")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "blk")
	// 7,0 is /dev/loop0's number; the node is never opened.
	if err := syscall.Mknod(p, syscall.S_IFBLK|0o600, 7<<8); err != nil {
		t.Skipf("mknod: %v", err)
	}
	r := runCLI(t, dir, nil, "check", "--now", testNow, "-f", "json=r.json", "-f", "sarif=blk", repoFile(t, "testdata/snapshots/healthy.json"))
	if r.code != exitUsage || !strings.Contains(r.stderr, "--format sarif=blk: is a block device") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	st, err := os.Lstat(p)
	if err != nil || st.Mode()&fs.ModeDevice == 0 || st.Mode()&fs.ModeCharDevice != 0 {
		t.Errorf("blk is now %v (%v)", st.Mode(), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("r.json written although the run was refused: %v", err)
	}
}

//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// reference runs check once with every report in a plain file of dir and
// returns the bytes of each format, the oracle the other outputs are
// compared with. Reports depend on the working directory, so the tests run
// in the same dir.
func reference(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ref := filepath.Join(dir, "reference")
	if err := os.Mkdir(ref, 0o755); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, dir, nil, "check", "--now", testNow, "-f", "json=reference/r.json", "-f", "sarif=reference/r.sarif",
		"-f", "junit=reference/r.xml", "-f", "text=reference/r.txt", repoFile(t, "testdata/snapshots/healthy.json"))
	if r.code != exitPass {
		t.Fatalf("reference run: exit %d: %s", r.code, r.stderr)
	}
	out := map[string][]byte{}
	for _, f := range []string{"json", "sarif", "xml", "txt"} {
		b, err := os.ReadFile(filepath.Join(ref, "r."+f))
		if err != nil || len(b) < 100 {
			t.Fatalf("reference %s: %v (%d bytes)", f, err, len(b))
		}
		out[f] = b
	}
	if err := os.RemoveAll(ref); err != nil {
		t.Fatal(err)
	}
	return out
}

// junitTimeRE matches the time attributes of a JUnit report.
var junitTimeRE = regexp.MustCompile(`time="[0-9.]+"`)

// listDir returns the names in dir, sorted; a leftover temporary file
// shows up here.
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

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A symbolic link is written through: the target receives the report, the
// link stays a link, a chain of links and a dangling link (whose target is
// created) included.
func TestOutputThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	ref := reference(t, dir)
	healthy := repoFile(t, "testdata/snapshots/healthy.json")
	if err := os.Mkdir(filepath.Join(dir, "reports"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "reports/target.sarif", "old\n")
	links := map[string]string{
		"report.sarif":     "reports/target.sarif", // to an existing file
		"hop.json":         "hop2.json",            // a chain of two links...
		"hop2.json":        "reports/chained.json", // ...to a file not there yet
		"reports/rel.xml":  "../junit.xml",         // relative to the link's directory
		"abs.txt":          filepath.Join(dir, "reports", "abs-target.txt"),
		"reports/self.txt": "abs.txt", // dangling: does not exist in reports/
	}
	for link, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	r := runCLI(t, dir, nil, "check", "--now", testNow, "-f", "sarif=report.sarif", "-f", "json=hop.json", "-f", "junit=reports/rel.xml",
		"-f", "text=abs.txt", healthy)
	if r.code != exitPass {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for link, target := range links {
		got, err := os.Readlink(filepath.Join(dir, link))
		if err != nil || got != target {
			t.Errorf("%s: now %q (%v), want the link to %q kept", link, got, err, target)
		}
	}
	for file, want := range map[string][]byte{
		"reports/target.sarif":   ref["sarif"],
		"reports/chained.json":   ref["json"],
		"junit.xml":              ref["xml"],
		"reports/abs-target.txt": ref["txt"],
	} {
		// JUnit records how long the evaluation took.
		got := junitTimeRE.ReplaceAll(readFile(t, filepath.Join(dir, file)), []byte(`time="T"`))
		if want := junitTimeRE.ReplaceAll(want, []byte(`time="T"`)); !bytes.Equal(got, want) {
			t.Errorf("%s does not hold the report (%d bytes, want %d)", file, len(got), len(want))
		}
	}
	if got, want := listDir(t, filepath.Join(dir, "reports")), []string{"abs-target.txt", "chained.json", "rel.xml", "self.txt", "target.sarif"}; !slices.Equal(got, want) {
		t.Errorf("reports/ holds %v, want %v (no temporary file left)", got, want)
	}
	if _, err := os.Lstat(filepath.Join(dir, "reports", "abs.txt")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("reports/abs.txt: %v; nothing should be created beside a link", err)
	}
}

// A replaced file keeps its permission bits; a new one gets 0644. Nothing
// but the report is left in the directory.
func TestOutputReplacesRegularFile(t *testing.T) {
	dir := t.TempDir()
	ref := reference(t, dir)
	old := write(t, dir, "private.json", "old\n")
	if err := os.Chmod(old, 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, dir, nil, "check", "--now", testNow, "-f", "json=private.json", "-f", "sarif=new.sarif", repoFile(t, "testdata/snapshots/healthy.json"))
	if r.code != exitPass {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for name, want := range map[string]fs.FileMode{"private.json": 0o600, "new.sarif": 0o644} {
		st, err := os.Lstat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !st.Mode().IsRegular() || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want a regular file %v", name, st.Mode(), want)
		}
	}
	if !bytes.Equal(readFile(t, old), ref["json"]) {
		t.Error("private.json does not hold the json report")
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"new.sarif", "private.json"}) {
		t.Errorf("dir holds %v", got)
	}
}

// /dev/stdout and /dev/stderr are the command's own streams.
func TestOutputToStandardStreams(t *testing.T) {
	dir := t.TempDir()
	ref := reference(t, dir)
	healthy := repoFile(t, "testdata/snapshots/healthy.json")
	r := runCLI(t, dir, nil, "check", "--now", testNow, "-f", "json=/dev/stdout", "-f", "text=/dev/stderr", healthy)
	if r.code != exitPass {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if r.stdout != string(ref["json"]) {
		t.Errorf("stdout is not the json report:\n%.300s", r.stdout)
	}
	if r.stderr != string(ref["txt"]) {
		t.Errorf("stderr is not the text report:\n%.300s", r.stderr)
	}
	r = runCLI(t, dir, nil, "check", "--now", testNow, "-f", "sarif=/dev/fd/1", "-f", "json=r.json", healthy)
	if r.code != exitPass || r.stdout != string(ref["sarif"]) {
		t.Errorf("-f sarif=/dev/fd/1: exit %d, stdout %.200q, stderr %s", r.code, r.stdout, r.stderr)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"r.json"}) {
		t.Errorf("dir holds %v", got)
	}
}

// Two outputs that end at one file are a usage error before anything is
// written, whatever the spelling: the same path, through links, through a
// linked directory, the stdout stream, the snapshot and the audit log.
func TestOutputsNamingOneFile(t *testing.T) {
	dir := t.TempDir()
	healthy := repoFile(t, "testdata/snapshots/healthy.json")
	if err := os.Mkdir(filepath.Join(dir, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink("real", filepath.Join(dir, "alias")))
	must(os.Symlink("real/r.json", filepath.Join(dir, "link.json")))
	existing := write(t, dir, "real/existing.json", "old\n")
	must(os.Symlink("real/existing.json", filepath.Join(dir, "existing-link")))
	must(os.Link(existing, filepath.Join(dir, "hard.json")))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"the same missing file, spelled twice", []string{"check", "--now", testNow, "-f", "json=real/r.json", "-f", "sarif=./real/../real/r.json", healthy},
			"./real/../real/r.json is already the file of the json report"},
		{"a link to a missing file", []string{"check", "--now", testNow, "-f", "json=real/r.json", "-f", "sarif=link.json", healthy},
			"--format json=real/r.json and --format sarif=link.json name the same file"},
		{"through a linked directory", []string{"check", "--now", testNow, "-f", "json=alias/r.json", "-f", "sarif=real/r.json", healthy},
			"name the same file"},
		{"a link to an existing file", []string{"check", "--now", testNow, "-f", "junit=existing-link", "-f", "json=real/existing.json", healthy},
			"name the same file"},
		{"a hard link", []string{"check", "--now", testNow, "-f", "junit=hard.json", "-f", "json=real/existing.json", healthy},
			"name the same file"},
		{"stdout twice", []string{"check", "--now", testNow, "-f", "text", "-f", "json=/dev/stdout", healthy},
			"--format text (standard output) and --format json=/dev/stdout both go to standard output"},
		{"run: the snapshot and a report", []string{"run", "--group", "g", "--to", "i", "--snapshot-out", "alias/s.json", "-f", "json=real/s.json"},
			"--format json=real/s.json and --snapshot-out alias/s.json name the same file; the json report and the snapshot cannot share one"},
		{"run: the audit log and a report", []string{"run", "--group", "g", "--to", "i", "--migrate", "--yes", "--audit-log", "link.json", "-f", "junit=real/r.json"},
			"--format junit=real/r.json and --audit-log link.json name the same file"},
		{"run: the audit log and the snapshot", []string{"run", "--group", "g", "--to", "i", "--migrate", "--yes", "--audit-log", "existing-link", "--snapshot-out", "hard.json"},
			"--snapshot-out hard.json and --audit-log existing-link name the same file"},
		{"run: the snapshot on stdout with the report", []string{"run", "--group", "g", "--to", "i", "--snapshot-out", "/dev/stdout"},
			"both go to standard output"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, dir, nil, c.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
				t.Fatalf("exit %d, want 2 with %q; stdout %q, stderr %s", r.code, c.want, r.stdout, r.stderr)
			}
			if got := listDir(t, filepath.Join(dir, "real")); !slices.Equal(got, []string{"existing.json"}) {
				t.Errorf("real/ holds %v; nothing may be written", got)
			}
			if got := string(readFile(t, existing)); got != "old\n" {
				t.Errorf("existing.json changed to %.100q", got)
			}
		})
	}
}

// A report never replaces the snapshot it was made from.
func TestReportOverItsInput(t *testing.T) {
	dir := t.TempDir()
	raw := readFile(t, repoFile(t, "testdata/snapshots/healthy.json"))
	snap := write(t, dir, "snap.json", string(raw))
	if err := os.Symlink("snap.json", filepath.Join(dir, "report.json")); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, dir, nil, "check", "--now", testNow, "-f", "sarif=r.sarif", "-f", "json=report.json", "snap.json")
	want := "input snap.json and --format json=report.json name the same file; the input snapshot and the json report cannot share one"
	if r.code != exitUsage || !strings.Contains(r.stderr, want) {
		t.Fatalf("exit %d, stderr %s; want 2 and %q", r.code, r.stderr, want)
	}
	if !bytes.Equal(readFile(t, snap), raw) {
		t.Error("the input snapshot was overwritten")
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"report.json", "snap.json"}) {
		t.Errorf("dir holds %v", got)
	}
}

// A directory or a socket is refused with exit 2 naming it, and no other
// report is written; what existed stays as it was.
func TestOutputRefusesDirectoriesAndSockets(t *testing.T) {
	dir := t.TempDir()
	healthy := repoFile(t, "testdata/snapshots/healthy.json")
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(dir, "sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := os.Symlink("adir", filepath.Join(dir, "dirlink")); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "keep.json", "old\n")
	cases := []struct {
		name, target, want string
	}{
		{"directory", "adir", "--format sarif=adir: is a directory"},
		{"link to a directory", "dirlink", "--format sarif=dirlink (through the link to adir): is a directory"},
		{"socket", "sock", "--format sarif=sock: is a socket; give a regular file, a character device or a FIFO"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, dir, nil, "check", "--now", testNow, "-f", "json=keep.json", "-f", "junit=new.xml", "-f", "sarif="+c.target, "-f", "text", healthy)
			if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
				t.Fatalf("exit %d, want 2 with %q; stdout %.100q; stderr %s", r.code, c.want, r.stdout, r.stderr)
			}
			if got := string(readFile(t, filepath.Join(dir, "keep.json"))); got != "old\n" {
				t.Errorf("keep.json was replaced: %.100q", got)
			}
			if got, want := listDir(t, dir), []string{"adir", "dirlink", "keep.json", "sock"}; !slices.Equal(got, want) {
				t.Errorf("dir holds %v, want %v", got, want)
			}
			if got := listDir(t, filepath.Join(dir, "adir")); len(got) != 0 {
				t.Errorf("adir holds %v", got)
			}
		})
	}
	// collect and run refuse before the first cloud call (no endpoint or
	// credentials are given: reaching the cloud would be another error).
	for _, args := range [][]string{
		{"collect", "--group", "g", "--to", "i", "-o", "adir"},
		{"run", "--group", "g", "--to", "i", "--snapshot-out", "sock"},
		{"run", "--group", "g", "--to", "i", "-f", "json=dirlink"},
	} {
		r := runCLI(t, dir, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "is a ") {
			t.Errorf("%v: exit %d, want 2; stderr %s", args, r.code, r.stderr)
		}
	}
}

// The writer itself: a failure while the temporary files are written
// leaves every target as it was and no temporary file behind.
func TestWriteOutputsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	first := write(t, dir, "first.json", "old\n")
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	var targets []*outputTarget
	for _, name := range []string{first, filepath.Join(sub, "second.json"), filepath.Join(dir, "third.json")} {
		tg, err := resolveOutput("--format json", "json report", name)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, tg)
	}
	// The second target's directory goes away between the check and the
	// write.
	if err := os.Remove(sub); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr}
	err := writeOutputs(context.Background(), e, targets, [][]byte{[]byte("1\n"), []byte("2\n"), []byte("3\n")})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitToolError || !strings.Contains(err.Error(), "write json report to "+filepath.Join(sub, "second.json")) {
		t.Fatalf("err = %v, want a tool error naming the second file", err)
	}
	if got := string(readFile(t, first)); got != "old\n" {
		t.Errorf("first.json = %q; it must not be replaced when another output fails", got)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"first.json"}) {
		t.Errorf("dir holds %v; temporary files must be removed", got)
	}
	// With the directory back, the same targets are written.
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeOutputs(context.Background(), e, targets, [][]byte{[]byte("1\n"), []byte("2\n"), []byte("3\n")}); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{first, filepath.Join(sub, "second.json"), filepath.Join(dir, "third.json")} {
		if got := string(readFile(t, name)); got != string(rune('1'+i))+"\n" {
			t.Errorf("%s = %q", name, got)
		}
	}
}

// A target that stops being a regular file between the check and the
// rename is not replaced, and neither is any other.
func TestWriteOutputsRechecksBeforeRename(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.json", "old\n")
	b := filepath.Join(dir, "b.json")
	ta, err := resolveOutput("--format json", "json report", a)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := resolveOutput("--format sarif", "sarif report", b)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(b, 0o755); err != nil {
		t.Fatal(err)
	}
	err = writeOutputs(context.Background(), &env{}, []*outputTarget{ta, tb}, [][]byte{[]byte("a\n"), []byte("b\n")})
	if err == nil || !strings.Contains(err.Error(), "became a directory") {
		t.Fatalf("err = %v", err)
	}
	if got := string(readFile(t, a)); got != "old\n" {
		t.Errorf("a.json = %q", got)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"a.json", "b.json"}) {
		t.Errorf("dir holds %v", got)
	}
}

// A FIFO is written in place: its reader gets the report, the FIFO stays a
// FIFO. Without a reader the wait ends with the context, temporary files
// removed.
func TestOutputToFIFO(t *testing.T) {
	dir := t.TempDir()
	ref := reference(t, dir)
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		b, err := os.ReadFile(fifo)
		if err != nil {
			t.Error(err)
		}
		got <- b
	}()
	r := runCLI(t, dir, nil, "check", "--now", testNow, "-f", "sarif=pipe", "-f", "json=r.json", repoFile(t, "testdata/snapshots/healthy.json"))
	if r.code != exitPass {
		// Release the reader before failing.
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if b := <-got; !bytes.Equal(b, ref["sarif"]) {
		t.Errorf("the FIFO's reader got %d bytes, want the %d of the sarif report", len(b), len(ref["sarif"]))
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("pipe is no longer a FIFO: %v %v", st.Mode(), err)
	}
	if !bytes.Equal(readFile(t, filepath.Join(dir, "r.json")), ref["json"]) {
		t.Error("r.json does not hold the json report")
	}

	// No reader: cancelling the context ends the wait; nothing replaced.
	tf, err := resolveOutput("--format sarif", "sarif report", fifo)
	if err != nil || tf.mode != modeInPlace {
		t.Fatalf("FIFO resolved as %+v, %v", tf, err)
	}
	tj, err := resolveOutput("--format json", "json report", filepath.Join(dir, "r.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = writeOutputs(ctx, &env{}, []*outputTarget{tj, tf}, [][]byte{[]byte("new\n"), []byte("x")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if !bytes.Equal(readFile(t, filepath.Join(dir, "r.json")), ref["json"]) {
		t.Error("r.json was replaced although the FIFO was not written")
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"pipe", "r.json"}) {
		t.Errorf("dir holds %v", got)
	}
}

// A FIFO, a device and a missing file resolve as the writer will treat
// them; a link loop is refused.
func TestResolveOutput(t *testing.T) {
	dir := t.TempDir()
	loop1, loop2 := filepath.Join(dir, "loop1"), filepath.Join(dir, "loop2")
	if err := os.Symlink(loop2, loop1); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(loop1, loop2); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		mode writeMode
		fd   int
		err  string
	}{
		{"", modeStream, 1, ""},
		{"-", modeStream, 1, ""},
		{"/dev/stdout", modeStream, 1, ""},
		{"/dev/fd/2", modeStream, 2, ""},
		{"/proc/self/fd/1", modeStream, 1, ""},
		{"/dev/null", modeInPlace, 0, ""},
		{filepath.Join(dir, "new.json"), modeReplace, 0, ""},
		{filepath.Join(dir, "missing", "new.json"), 0, 0, "directory " + filepath.Join(dir, "missing") + " does not exist; create it first"},
		{loop1, 0, 0, "more than 40 symbolic links in a row"},
		{dir, 0, 0, "is a directory"},
	}
	for _, c := range cases {
		tg, err := resolveOutput("--output", "snapshot", c.name)
		if c.err != "" {
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != exitUsage || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err = %v, want a usage error with %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || tg.mode != c.mode || tg.fd != c.fd {
			t.Errorf("%q: %+v, %v; want mode %d fd %d", c.name, tg, err, c.mode, c.fd)
		}
	}
}

// testNow pins the evaluation time for tests that compare the reports of
// two runs byte for byte (AGP001 names the time of evaluation).
const testNow = "2026-12-01T00:00:00Z"

// A report is rendered straight into the temporary file that replaces its
// output. A render that fails half-way, after writing, leaves every output
// as it was and no temporary file, and is reported in the renderer's own
// words; a large report arrives whole.
func TestRenderOutputsStreamsIntoTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.json", "old a\n")
	b := write(t, dir, "b.json", "old b\n")
	var targets []*outputTarget
	for _, name := range []string{a, b} {
		tg, err := resolveOutput("--format json", "json report", name)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, tg)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB, beyond the write buffer
	whole := func(w io.Writer) error { _, err := w.Write(big); return err }
	halfThenFail := func(w io.Writer) error {
		if _, err := w.Write(big[:100<<10]); err != nil {
			return err
		}
		return withCode(exitToolError, errors.New("render json report: broken"))
	}
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr}
	err := renderOutputs(context.Background(), e, targets, []renderFunc{whole, halfThenFail})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitToolError || err.Error() != "render json report: broken" {
		t.Fatalf("err = %v, want the render's own tool error", err)
	}
	if got, want := string(readFile(t, a))+string(readFile(t, b)), "old a\nold b\n"; got != want {
		t.Errorf("outputs = %q, want both unchanged", got)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"a.json", "b.json"}) {
		t.Errorf("dir holds %v; temporary files must be removed", got)
	}
	if err := renderOutputs(context.Background(), e, targets, []renderFunc{whole, whole}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{a, b} {
		if got := readFile(t, name); !bytes.Equal(got, big) {
			t.Errorf("%s holds %d bytes, want the %d rendered", name, len(got), len(big))
		}
	}
	if stdout.Len()+stderr.Len() != 0 {
		t.Errorf("stdout %q, stderr %q: file outputs write nothing there", stdout.String(), stderr.String())
	}
}

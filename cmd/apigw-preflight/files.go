package main

// Output files: what a path given to -f FORMAT=FILE, collect -o, run
// --snapshot-out or --audit-log may name, and how the reports and
// snapshots are written there.
//
// A writer owns only what it creates:
//
//   - A regular file, or a path where nothing exists yet, is replaced
//     atomically: the data goes to a temporary file in the same directory,
//     is fsynced, and is renamed over the name, so a reader sees the old
//     file or the new one, never half of one. A replaced file keeps its
//     permission bits; a new one gets 0644.
//   - A symbolic link is followed to its final target (which may not exist
//     yet), and that target is replaced as above, the temporary file in the
//     target's directory. The link stays a link.
//   - A character device (/dev/null, a terminal) or a FIFO is written in
//     place: opened for writing, never created, truncated or replaced.
//     /dev/stdout, /dev/stderr, /dev/fd/1 and /dev/fd/2 (and /proc/self/fd/N)
//     are the command's own streams; any other /dev/fd/N is written in place.
//   - Anything else (a directory, a socket, a block device) is refused as a
//     usage error (exit 2), before anything is written.
//
// Several outputs of one command are written all or nothing (writeOutputs),
// and two outputs that end at one file are a usage error (outputSet).

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// writeMode is how an output is written.
type writeMode int

const (
	// modeReplace: a regular file or a missing path; temporary file, fsync,
	// rename.
	modeReplace writeMode = iota
	// modeInPlace: a character device or a FIFO; opened and written.
	modeInPlace
	// modeStream: the command's standard output or standard error.
	modeStream
)

// outputTarget is one output as the writer will treat it.
type outputTarget struct {
	// flag names the option that gave the path, for messages
	// ("--format json", "--snapshot-out").
	flag string
	// what is the data written there ("json report", "snapshot").
	what string
	// name is the path as given; "" for standard output.
	name string
	// path is the file written: name with every symbolic link followed.
	path string
	mode writeMode
	// fd is 1 (stdout) or 2 (stderr) for modeStream.
	fd int
	// descriptor is set when name is an open file descriptor of the
	// process (/dev/fd/N, /dev/stdin) other than stdout and stderr.
	descriptor bool
	// info describes path when something exists there, else nil.
	info os.FileInfo
	// key identifies a path where nothing exists yet: the absolute path
	// with the directory's links resolved.
	key string
}

// display is the target as the user named it.
func (t *outputTarget) display() string {
	switch {
	case t.name != "":
		return t.name
	case t.fd == 2:
		return "standard error"
	}
	return "standard output"
}

// arg is the option and path as given, for messages: "--format json=r.json",
// "--snapshot-out s.json", "--format text (standard output)".
func (t *outputTarget) arg() string {
	if f, ok := strings.CutPrefix(t.flag, "--format "); ok {
		if t.name == "" {
			return "--format " + f + " (standard output)"
		}
		return "--format " + f + "=" + t.name
	}
	if t.name == "" {
		return t.flag + " (standard output)"
	}
	return t.flag + " " + t.name
}

// via says which file a link led to, for messages.
func (t *outputTarget) via() string {
	if t.path == "" || t.path == t.name {
		return ""
	}
	return " (through the link to " + t.path + ")"
}

// maxLinks bounds the symbolic links followed for one path, as the kernel
// does.
const maxLinks = 40

// locateOutput follows the links of name and says which file it ends at,
// without judging whether that file may be written: it is the identity an
// appended file (the audit log) needs for conflict checks. "" and "-" are
// standard output. A missing directory or a link loop is a usage error.
func locateOutput(flag, what, name string) (*outputTarget, error) {
	t := &outputTarget{flag: flag, what: what, name: name}
	if name == "" || name == "-" {
		t.name, t.mode, t.fd = "", modeStream, 1
		return t, nil
	}
	path, fd, err := followLinks(name)
	if err != nil {
		return nil, usageErr("%s: %v", t.arg(), err)
	}
	t.path = path
	switch {
	case fd == 1 || fd == 2:
		t.mode, t.fd = modeStream, fd
		return t, nil
	case fd >= 0:
		t.descriptor = true
	}
	info, err := os.Stat(path)
	switch {
	case err == nil:
		t.info = info
		return t, nil
	case t.descriptor:
		return nil, usageErr("%s: %v; is the file descriptor open?", t.arg(), bare(err))
	case !errors.Is(err, fs.ErrNotExist):
		return nil, usageErr("%s%s: cannot use it: %v", t.arg(), t.via(), bare(err))
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, usageErr("%s%s: directory %s does not exist; create it first", t.arg(), t.via(), dir)
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, usageErr("%s%s: directory %s: %v", t.arg(), t.via(), dir, bare(err))
	}
	if realDir, err = filepath.Abs(realDir); err != nil {
		return nil, withCode(exitToolError, err)
	}
	t.key = filepath.Join(realDir, filepath.Base(path))
	return t, nil
}

// resolveOutput is locateOutput for a file this command writes whole (a
// report, a snapshot): it also decides how to write it, and refuses what
// may not be written (directories, sockets, block devices) with a usage
// error naming the path.
func resolveOutput(flag, what, name string) (*outputTarget, error) {
	t, err := locateOutput(flag, what, name)
	if err != nil || t.mode == modeStream {
		return t, err
	}
	if t.info == nil {
		t.mode = modeReplace
		return t, nil
	}
	m := t.info.Mode()
	switch {
	case t.descriptor:
		// Whatever is open there, it was opened for this command: write
		// to it, never rename over it.
		t.mode = modeInPlace
	case m.IsRegular():
		t.mode = modeReplace
	case m&os.ModeCharDevice != 0, m&os.ModeNamedPipe != 0:
		t.mode = modeInPlace
	default:
		hint := "give a regular file, a character device or a FIFO"
		if m.IsDir() {
			hint = "give the path of a file, inside it or elsewhere"
		}
		return nil, usageErr("%s%s: is %s; %s", t.arg(), t.via(), fileKind(m), hint)
	}
	return t, nil
}

// fileKind names a file mode for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0 && m&os.ModeCharDevice == 0:
		return "a block device"
	case m&os.ModeIrregular != 0:
		return "a special file"
	}
	return "not a regular file"
}

// followLinks follows the symbolic links of name to the path they end at,
// which may not exist. A path that names one of the process's open file
// descriptors (/dev/stdout, /dev/fd/N, /proc/self/fd/N) is not followed
// further: fd is its number, and the kernel's link behind it is not a path.
func followLinks(name string) (path string, fd int, err error) {
	path = name
	for range maxLinks {
		if n, ok := descriptorPath(path); ok {
			return path, n, nil
		}
		st, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, -1, nil
		}
		if err != nil {
			return "", 0, bare(err)
		}
		if st.Mode()&os.ModeSymlink == 0 {
			return path, -1, nil
		}
		target, err := os.Readlink(path)
		if err != nil {
			return "", 0, bare(err)
		}
		if !filepath.IsAbs(target) {
			// Relative to the link's directory, taken as it is on disk
			// (not cleaned, so ".." crosses directory links as the
			// kernel does).
			if dir := filepath.Dir(path); dir != "." {
				target = dir + string(filepath.Separator) + target
			}
		}
		path = target
	}
	return "", 0, fmt.Errorf("more than %d symbolic links in a row; is there a loop?", maxLinks)
}

// descriptorPath tells whether path names an open file descriptor of this
// process, and which.
func descriptorPath(path string) (int, bool) {
	switch p := filepath.Clean(path); p {
	case "/dev/stdin":
		return 0, true
	case "/dev/stdout":
		return 1, true
	case "/dev/stderr":
		return 2, true
	default:
		for _, dir := range []string{"/dev/fd/", "/proc/self/fd/"} {
			if rest, ok := strings.CutPrefix(p, dir); ok {
				if n, err := strconv.Atoi(rest); err == nil && n >= 0 {
					return n, true
				}
			}
		}
	}
	return 0, false
}

// sameFile reports whether two outputs end at one file: the same stream,
// the same existing file (os.SameFile), or the same path where nothing
// exists yet.
func (t *outputTarget) sameFile(u *outputTarget) bool {
	switch {
	case t.mode == modeStream || u.mode == modeStream:
		return t.mode == u.mode && t.fd == u.fd
	case t.info != nil && u.info != nil:
		return os.SameFile(t.info, u.info)
	case t.info != nil || u.info != nil:
		return false
	}
	return t.key == u.key
}

// outputSet is the outputs of one command. Claim every output (reports,
// snapshot, audit log) before the first is written; a second output ending
// at a file already claimed is a usage error, so nothing is overwritten by
// its own command.
type outputSet struct {
	targets []*outputTarget
}

// claim adds t, or refuses it when an output already claimed ends at the
// same file.
func (s *outputSet) claim(t *outputTarget) error {
	for _, u := range s.targets {
		if !u.sameFile(t) {
			continue
		}
		if t.mode == modeStream {
			stream := "standard output"
			if t.fd == 2 {
				stream = "standard error"
			}
			return usageErr("%s and %s both go to %s; give one of them a file",
				u.arg(), t.arg(), stream)
		}
		return usageErr("%s and %s name the same file; the %s and the %s cannot share one: give each its own file",
			u.arg(), t.arg(), u.what, t.what)
	}
	s.targets = append(s.targets, t)
	return nil
}

// claimRunOutputs checks every output of run before the first cloud call:
// the reports of p, the snapshot (--snapshot-out, "" for none) and the
// audit log ("" for none; located only, since the audit log is appended
// by its own writer). Special files are refused and two outputs ending at
// one file are a usage error.
func claimRunOutputs(p *reportSetup, snapshotOut, auditLog string) error {
	var set outputSet
	if _, err := claimReports(&set, p); err != nil {
		return err
	}
	if snapshotOut != "" {
		t, err := resolveOutput("--snapshot-out", "snapshot", snapshotOut)
		if err != nil {
			return err
		}
		if err := set.claim(t); err != nil {
			return err
		}
	}
	if auditLog != "" {
		t, err := locateOutput("--audit-log", "audit log", auditLog)
		if err != nil {
			return err
		}
		if err := set.claim(t); err != nil {
			return err
		}
	}
	return nil
}

// claimReports resolves and claims the report outputs of p, in order.
func claimReports(set *outputSet, p *reportSetup) ([]*outputTarget, error) {
	targets := make([]*outputTarget, len(p.outputs))
	for i, o := range p.outputs {
		t, err := resolveOutput("--format "+o.format.Name, o.format.Name+" report", o.file)
		if err != nil {
			return nil, err
		}
		if err := set.claim(t); err != nil {
			return nil, err
		}
		targets[i] = t
	}
	return targets, nil
}

// writeReports renders every report straight into its output, all or
// none (writeOutputs): a report to a file is rendered into the temporary
// file that later replaces it, so no report is ever held whole in memory;
// a report to a device or a standard stream is rendered into memory
// first. A render failure writes nothing.
//
// The github format's job summary goes to the file GITHUB_STEP_SUMMARY
// names (once, however many github reports there are), appended after
// every report was written, as GitHub Actions expects.
func writeReports(ctx context.Context, e *env, p *reportSetup, r *report.Result) error {
	renders := make([]renderFunc, len(p.outputs))
	summaryFile := e.getenv("GITHUB_STEP_SUMMARY")
	var summary *bytes.Buffer
	for i, o := range p.outputs {
		opts := report.Options{Color: p.color && o.file == "", SourceRoot: p.sourceRoot, SARIFCategory: p.sarifCategory}
		if o.format.Name == "github" && summaryFile != "" && summary == nil {
			summary = &bytes.Buffer{}
			opts.StepSummary = summary
		}
		renders[i] = func(w io.Writer) error {
			if err := o.format.New(opts).Report(w, r); err != nil {
				return withCode(exitToolError, fmt.Errorf("render %s report: %w", o.format.Name, err))
			}
			return nil
		}
	}
	// A report never replaces a snapshot it was made from.
	var set outputSet
	for _, m := range r.Migrations {
		if m.Input == "" || m.Input == "-" {
			continue
		}
		if t, err := locateOutput("input", "input snapshot", m.Input); err == nil && t.info != nil && t.mode != modeStream {
			set.targets = append(set.targets, t)
		}
	}
	targets, err := claimReports(&set, p)
	if err != nil {
		return err
	}
	if err := renderOutputs(ctx, e, targets, renders); err != nil {
		return err
	}
	if !p.quiet && !slices.ContainsFunc(targets, func(t *outputTarget) bool { return t.mode == modeStream }) {
		// No report on stdout (or stderr): the outcome on stderr, in one line.
		fmt.Fprintf(e.stderr, "apigw-preflight: %s\n", summaryLine(r))
	}
	if summary != nil {
		return appendStepSummary(summaryFile, summary.Bytes())
	}
	return nil
}

// appendStepSummary appends the job summary to the file GITHUB_STEP_SUMMARY
// names (created if missing). A failure is a tool error: the reports are
// written, the summary is not.
func appendStepSummary(file string, data []byte) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return withCode(exitToolError, fmt.Errorf("append the job summary to GITHUB_STEP_SUMMARY (%s): %w; the reports were written", file, bare(err)))
	}
	return nil
}

// renderFunc writes one output's data to w. An error it returns as an
// *exitError is reported as it is (a report that could not be rendered);
// a failure of w itself is reported as a failure to write the output.
type renderFunc func(w io.Writer) error

// writeOutputs writes data[i] to targets[i] (renderOutputs).
func writeOutputs(ctx context.Context, e *env, targets []*outputTarget, data [][]byte) error {
	renders := make([]renderFunc, len(data))
	for i, d := range data {
		renders[i] = func(w io.Writer) error {
			_, err := w.Write(d)
			return err
		}
	}
	return renderOutputs(ctx, e, targets, renders)
}

// renderOutputs writes what render[i] produces to targets[i], all or
// nothing as far as files allow:
//
//  1. every file to replace is rendered into a temporary file beside it
//     and fsynced, and every other output is rendered into memory;
//  2. then the in-place targets (devices, FIFOs, other descriptors) are
//     written, then standard output and standard error;
//  3. then every temporary file is renamed over its name (each target
//     checked again to be a regular file or missing), and the directories
//     are fsynced.
//
// An error in steps 1 or 2, or a target that changed kind, leaves every
// replaced file as it was; temporary files are removed on every path. What
// step 2 wrote before an error cannot be taken back; a rename that fails
// in step 3 (only a concurrent change of the directory can make it) is
// reported with the outputs already renamed. Errors are tool errors
// (exit 1) naming the output; ctx ends a wait for a FIFO's reader.
func renderOutputs(ctx context.Context, e *env, targets []*outputTarget, render []renderFunc) error {
	temps := make([]string, len(targets))
	defer func() {
		for _, name := range temps {
			if name != "" {
				os.Remove(name)
			}
		}
	}()
	fail := func(t *outputTarget, err error) error {
		var ee *exitError
		if errors.As(err, &ee) {
			return err
		}
		return withCode(exitToolError, fmt.Errorf("write %s to %s: %w", t.what, t.display(), err))
	}
	data := make([][]byte, len(targets))
	for i, t := range targets {
		if t.mode == modeReplace {
			name, err := writeTemp(t, render[i])
			if err != nil {
				return fail(t, err)
			}
			temps[i] = name
			continue
		}
		var buf bytes.Buffer
		if err := render[i](&buf); err != nil {
			return fail(t, err)
		}
		data[i] = buf.Bytes()
	}
	for pass := range 2 {
		for i, t := range targets {
			if pass == 0 && t.mode == modeInPlace {
				if err := writeInPlace(ctx, t.path, data[i]); err != nil {
					return fail(t, err)
				}
			}
			if pass == 1 && t.mode == modeStream {
				w := e.stdout
				if t.fd == 2 {
					w = e.stderr
				}
				if _, err := w.Write(data[i]); err != nil {
					return fail(t, err)
				}
			}
		}
	}
	for _, t := range targets {
		if t.mode != modeReplace {
			continue
		}
		if st, err := os.Lstat(t.path); err == nil && !st.Mode().IsRegular() {
			return fail(t, fmt.Errorf("%s became %s while the reports were written; nothing was replaced", t.path, fileKind(st.Mode())))
		}
	}
	var done []string
	dirs := map[string]bool{}
	for i, t := range targets {
		if t.mode != modeReplace {
			continue
		}
		if err := os.Rename(temps[i], t.path); err != nil {
			if len(done) > 0 {
				err = fmt.Errorf("%w (already in place: %s)", err, strings.Join(done, ", "))
			}
			return fail(t, err)
		}
		temps[i] = ""
		done = append(done, t.display())
		dirs[filepath.Dir(t.path)] = true
	}
	for dir := range dirs {
		syncDir(dir)
	}
	return nil
}

// writeTemp renders into a new temporary file in t.path's directory
// (through a buffer, so a large report is never held whole), fsyncs it and
// gives it the permission bits the file will have; it returns the
// temporary file's name, and removes it on error. A failure of the file
// is returned as such, even when the renderer reports it in its own words.
func writeTemp(t *outputTarget, render renderFunc) (name string, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(t.path), "."+filepath.Base(t.path)+".*.tmp")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	perm := fs.FileMode(0o644)
	if t.info != nil {
		perm = t.info.Mode().Perm()
	}
	fw := &firstErrWriter{w: tmp}
	bw := bufio.NewWriterSize(fw, 64<<10)
	if err = render(bw); err == nil {
		err = bw.Flush()
	}
	if fw.err != nil {
		return "", fw.err
	}
	if err != nil {
		return "", err
	}
	if err = tmp.Chmod(perm); err != nil {
		return "", err
	}
	if err = tmp.Sync(); err != nil {
		return "", err
	}
	if err = tmp.Close(); err != nil {
		return "", err
	}
	return tmp.Name(), nil
}

// firstErrWriter passes writes on to w and keeps the first error w
// returned.
type firstErrWriter struct {
	w   io.Writer
	err error
}

func (f *firstErrWriter) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.w.Write(p)
	if err != nil {
		f.err = bare(err)
	}
	return n, err
}

// writeInPlace opens an existing device, FIFO or descriptor for writing
// (never creating or truncating it) and writes data. Opening a FIFO waits
// for its reader; ctx ends the wait.
func writeInPlace(ctx context.Context, path string, data []byte) error {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		ch <- opened{f, err}
	}()
	var f *os.File
	select {
	case o := <-ch:
		if o.err != nil {
			return bare(o.err)
		}
		f = o.f
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return fmt.Errorf("waiting for a reader: %w", ctx.Err())
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return bare(err)
	}
	if err := f.Close(); err != nil {
		return bare(err)
	}
	return nil
}

// syncDir fsyncs a directory so a rename in it survives a crash; best
// effort, since not every file system supports it.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}

// writeOne writes one output whole (a snapshot) by the same rules as the
// reports.
func writeOne(ctx context.Context, e *env, t *outputTarget, data []byte) error {
	return writeOutputs(ctx, e, []*outputTarget{t}, [][]byte{data})
}

// bare drops the operation and path an *fs.PathError repeats, keeping
// the cause (errors.Is still finds ENOSPC and friends).
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// dirExists reports a missing parent directory of file.
func dirExists(file string) error {
	dir := filepath.Dir(file)
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return errors.New("directory " + dir + " does not exist; create it first")
	}
	return nil
}

// checkOutputDir fails early, before any cloud call, when file cannot be
// written because its directory is missing.
func checkOutputDir(flag, file string) error {
	if file == "" || file == "-" {
		return nil
	}
	if err := dirExists(file); err != nil {
		return usageErr("%s %s: %v", flag, file, err)
	}
	return nil
}

// writeSnapshot writes the snapshot to file ("" or "-" for stdout) by the
// rules of writeOutputs: atomically over a regular file, in place on a
// device or FIFO; flag names the option in messages.
func writeSnapshot(ctx context.Context, e *env, flag, file string, raw []byte) error {
	t, err := resolveOutput(flag, "snapshot", file)
	if err != nil {
		return err
	}
	return writeOne(ctx, e, t, raw)
}

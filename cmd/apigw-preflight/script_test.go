package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"go.yaml.in/yaml/v3"

	"github.com/apigw-preflight/apigw-preflight/emulator"
)

// TestMain lets the test binary stand in for apigw-preflight: testscript
// puts a copy of it named apigw-preflight first on PATH, and that copy
// runs main. The scripts and the Go tests that need a process (signals,
// locks, concurrent runs) run it; nothing is built with go build.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"apigw-preflight": main})
}

// TestScripts runs the end-to-end scripts in testdata/script: one per
// behaviour area, each a txtar file of commands, their exit codes, what
// they print and the files they write. The commands beyond testscript's
// own are in scriptCmds.
func TestScripts(t *testing.T) {
	testdata, err := filepath.Abs(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                "testdata/script",
		RequireUniqueNames: true,
		UpdateScripts:      *updateScripts,
		Setup: func(e *testscript.Env) error {
			// testscript starts from an empty environment (PATH, a HOME
			// that does not exist, TMPDIR): no ALIBABA_CLOUD_* variable or
			// credentials file of the machine reaches the tool.
			home := filepath.Join(e.WorkDir, ".home")
			if err := os.Mkdir(home, 0o755); err != nil {
				return err
			}
			e.Setenv("HOME", home)
			e.Setenv("NO_COLOR", "1")
			e.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
			e.Setenv("TESTDATA", testdata)
			e.Setenv("BOM", "\ufeff")
			e.Setenv("NL", "\n")
			e.Values[emulatorKey] = &scriptEmulator{}
			return nil
		},
		Cmds: scriptCmds,
	})
}

var updateScripts = flag.Bool("update-scripts", false, "rewrite the cmp sections of testdata/script to the output they got")

// scriptCmds are the commands the scripts have beyond testscript's own.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"exits":    cmdExits,
	"emulator": cmdEmulator,
	"fault":    cmdFault,
	"calls":    cmdCalls,
	"jsonset":  cmdJSONSet,
	"replace":  cmdReplace,
	"glob":     cmdGlob,
}

// exits CODE PROGRAM [ARGS...] runs the program as exec does and checks
// that it exits with CODE: exit codes are the contract, "!" alone would
// not tell 2 from 3.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad exit code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("exits: %v", err)
	}
	ts.Logf("[exit %d]", got)
	if got != want {
		ts.Fatalf("exit %d, want %d", got, want)
	}
}

// scriptEmulator is the emulator a script started last.
type scriptEmulator struct {
	srv *emulator.Server
}

const emulatorKey = "emulator"

// emulator WORLD starts an in-process emulator of the world file WORLD
// (usually a section of the script) on 127.0.0.1, exports its URL as
// $EMULATOR and logs its requests to emulator.log in the work directory.
// It is stopped when the script ends; a second emulator replaces the first
// as the one fault and calls talk to.
func cmdEmulator(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: emulator WORLD")
	}
	w, err := emulator.LoadWorld(ts.MkAbs(args[0]))
	ts.Check(err)
	log, err := os.OpenFile(ts.MkAbs("emulator.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	ts.Check(err)
	srv := emulator.New(w, emulator.WithLog(&lockedWriter{w: log}))
	hs := httptest.NewServer(srv)
	ts.Defer(func() {
		hs.Close()
		log.Close()
	})
	ts.Setenv("EMULATOR", hs.URL)
	ts.Value(emulatorKey).(*scriptEmulator).srv = srv
}

// lockedWriter serialises the emulator's log lines.
type lockedWriter struct {
	mu sync.Mutex
	w  *os.File
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func runningEmulator(ts *testscript.TestScript, cmd string) *emulator.Server {
	srv := ts.Value(emulatorKey).(*scriptEmulator).srv
	if srv == nil {
		ts.Fatalf("%s: no emulator is running (emulator WORLD first)", cmd)
	}
	return srv
}

// fault YAML adds a fault, written as an entry of a world's faults list
// ({action: DescribeApis, code: Forbidden.RAM}), to the running emulator.
func cmdFault(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: fault '{action: ACTION, code: CODE, ...}'")
	}
	var f emulator.Fault
	dec := yaml.NewDecoder(strings.NewReader(args[0]))
	dec.KnownFields(true)
	ts.Check(dec.Decode(&f))
	defer func() {
		if r := recover(); r != nil {
			ts.Fatalf("fault: %v", r)
		}
	}()
	runningEmulator(ts, "fault").AddFault(f)
}

// calls ACTION N checks that the running emulator received exactly N
// requests of ACTION so far.
func cmdCalls(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: calls ACTION N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	if got := runningEmulator(ts, "calls").Calls(args[0]); got != want {
		ts.Fatalf("%s calls = %d, want %d", args[0], got, want)
	}
}

// jsonset IN OUT [PATH=JSON | -PATH]... writes the JSON document IN to OUT
// (indented by two spaces, object keys sorted) with the value at each
// dotted PATH (object keys, list indexes) set to JSON, or removed.
func cmdJSONSet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: jsonset IN OUT [PATH=JSON | -PATH]...")
	}
	var doc any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &doc))
	for _, edit := range args[2:] {
		path, value, set := strings.Cut(edit, "=")
		var v any
		if set {
			if err := json.Unmarshal([]byte(value), &v); err != nil {
				ts.Fatalf("jsonset %s: the value is not JSON: %v", edit, err)
			}
		} else if p, ok := strings.CutPrefix(path, "-"); ok {
			path = p
		} else {
			ts.Fatalf("jsonset %s: want PATH=JSON or -PATH", edit)
		}
		if err := setPath(doc, strings.Split(path, "."), v, set); err != nil {
			ts.Fatalf("jsonset %s: %v", edit, err)
		}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), append(out, '\n'), 0o644))
}

// setPath sets (or, with set false, removes) the value at path in doc.
func setPath(doc any, path []string, v any, set bool) error {
	key, last := path[0], len(path) == 1
	switch d := doc.(type) {
	case map[string]any:
		if last {
			if set {
				d[key] = v
			} else if _, ok := d[key]; ok {
				delete(d, key)
			} else {
				return fmt.Errorf("no key %q", key)
			}
			return nil
		}
		next, ok := d[key]
		if !ok {
			return fmt.Errorf("no key %q", key)
		}
		return setPath(next, path[1:], v, set)
	case []any:
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(d) {
			return fmt.Errorf("no index %q in a list of %d", key, len(d))
		}
		if last {
			if !set {
				return fmt.Errorf("cannot remove list item %d", i)
			}
			d[i] = v
			return nil
		}
		return setPath(d[i], path[1:], v, set)
	}
	return fmt.Errorf("%q is inside a value that is neither an object nor a list", key)
}

// replace [-all] [-re] IN OUT OLD NEW writes IN to OUT with the first OLD
// (with -all, every OLD) replaced by NEW; OLD must occur. With -re, OLD is
// a regular expression (Go syntax) and every match is replaced.
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	n, re := 1, false
	for len(args) > 0 && (args[0] == "-all" || args[0] == "-re") {
		if args[0] == "-all" {
			n = -1
		} else {
			re = true
		}
		args = args[1:]
	}
	if neg || len(args) != 4 {
		ts.Fatalf("usage: replace [-all] [-re] IN OUT OLD NEW")
	}
	text := ts.ReadFile(args[0])
	if re {
		rx, err := regexp.Compile(args[2])
		ts.Check(err)
		if !rx.MatchString(text) {
			ts.Fatalf("replace: %s matches nothing in %s", args[2], args[0])
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(rx.ReplaceAllLiteralString(text, args[3])), 0o644))
		return
	}
	if !strings.Contains(text, args[2]) {
		ts.Fatalf("replace: %q does not occur in %s", args[2], args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Replace(text, args[2], args[3], n)), 0o644))
}

// glob PATTERN checks that files match PATTERN (filepath.Match syntax, in
// the current directory unless the pattern says otherwise); ! glob, that
// none do.
func cmdGlob(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: glob PATTERN")
	}
	matches, err := filepath.Glob(ts.MkAbs(args[0]))
	ts.Check(err)
	switch {
	case neg && len(matches) > 0:
		ts.Fatalf("files match %s: %v", args[0], matches)
	case !neg && len(matches) == 0:
		ts.Fatalf("no file matches %s", args[0])
	}
}

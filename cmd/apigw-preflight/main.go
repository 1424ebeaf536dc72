// Command apigw-preflight checks that an Alibaba Cloud API Gateway API group
// can be moved to another gateway instance without breaking, and gates on it.
//
// main parses the command line, wires the packages together and turns a
// returned error into an exit code. Nothing else in the program exits.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/apigw-preflight/apigw-preflight/internal/gctune"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// Exit codes: the contract CI systems rely on.
const (
	exitPass       = 0 // gate passed
	exitToolError  = 1 // tool or runtime error
	exitUsage      = 2 // usage error or bad input
	exitGateFailed = 3 // gate failed
	// A command stopped by a signal exits 128 + the signal's number, as
	// shells report a process the signal killed.
	exitSIGINT  = 128 + int(syscall.SIGINT)  // 130
	exitSIGTERM = 128 + int(syscall.SIGTERM) // 143
)

// exitCodes documents the exit codes; the --help texts derive from it (the
// README's table is written by hand and must be kept in step).
var exitCodes = []struct {
	Code    int
	Meaning string
}{
	{exitPass, "gate passed (no finding at or above --fail-on)"},
	{exitToolError, "tool or runtime error (a cloud call failed, a rule could not be evaluated)"},
	{exitUsage, "usage error or bad input (bad flag, unreadable or invalid snapshot or Terraform plan)"},
	{exitGateFailed, "gate failed (findings at or above --fail-on)"},
	{exitSIGINT, "interrupted by SIGINT (Ctrl-C)"},
	{exitSIGTERM, "interrupted by SIGTERM"},
}

// exitError carries an exit code up to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr marks an error as a usage error or bad input (exit 2).
func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// withCode wraps err so main exits with code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// errGateFailed is returned when the run completed and the gate failed;
// main prints nothing more for it, the reports have said it all.
var errGateFailed = &exitError{code: exitGateFailed}

// env is what a command may touch of the outside world. Tests fill it in.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// stdoutTTY and stderrTTY tell whether the streams are terminals.
	stdoutTTY bool
	stderrTTY bool
	stdinTTY  bool
	// flags, when set, receives the flag set a command parses into
	// (introspect.go).
	flags **pflag.FlagSet
}

// command is one subcommand. The table below is the single registry: the
// top-level help derives from it.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"collect", "read a group and two instances from the cloud into a snapshot", runCollect},
		{"check", "evaluate snapshot files (or Terraform plans) offline and gate on the findings", runCheck},
		{"run", "collect, check and report in one step", runRun},
		{"audit", "audit many groups and candidate destinations at once: placement matrix, plan-wide capacity", runAudit},
		{"policies", "list the rules, show one, run policy tests, write an OPA bundle (policies list|show|test|bundle)", runPolicies},
		{"schema", "print the snapshot contract as a JSON Schema", runSchema},
		{"version", "print the version", runVersion},
		{"completion", "print the shell completion script (bash, zsh, fish, powershell)", runCompletion},
		{"help", "print the help of a command (help COMMAND)", runHelpCommand},
	}
}

func main() {
	ctx, stop := notifySignals(context.Background())
	e := &env{
		stdin:     os.Stdin,
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		getenv:    os.Getenv,
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
		stdinTTY:  isTerminal(os.Stdin),
	}
	// Fewer collections while the heap is small (internal/gctune); a GOGC
	// or GOMEMLIMIT of the user's wins.
	gctune.Start(os.Getenv)
	code := run(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// signalCause is the cause of a context a signal cancelled.
type signalCause struct{ sig syscall.Signal }

func (s *signalCause) Error() string { return "interrupted by " + signalName(s.sig) }

func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// notifySignals returns a context that the first SIGINT or SIGTERM
// cancels, with a *signalCause naming it (context.Cause). Commands stop
// at once; a second signal ends the process the default way.
func notifySignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-ch:
			signal.Reset(os.Interrupt, syscall.SIGTERM)
			sig, _ := s.(syscall.Signal)
			cancel(&signalCause{sig: sig})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(nil)
	}
}

// interruptedBy returns the exit code of the signal that cancelled ctx.
func interruptedBy(ctx context.Context) (int, *signalCause, bool) {
	var sc *signalCause
	if ctx.Err() == nil || !errors.As(context.Cause(ctx), &sc) {
		return 0, nil, false
	}
	return 128 + int(sc.sig), sc, true
}

// run executes one command line and returns the exit code. A command a
// signal interrupted exits 130 (SIGINT) or 143 (SIGTERM), whatever error
// it returned.
func run(ctx context.Context, e *env, args []string) int {
	err := dispatch(ctx, e, args)
	if code, sc, ok := interruptedBy(ctx); ok {
		msg := sc.Error()
		var ee *exitError
		switch {
		case errors.As(err, &ee) && ee.err != nil:
			msg = fmt.Sprintf("%v (%s)", ee.err, msg)
		case err != nil && !errors.As(err, &ee):
			msg = fmt.Sprintf("%v (%s)", err, msg)
		}
		fmt.Fprintf(e.stderr, "apigw-preflight: %s\n", msg)
		return code
	}
	if err == nil {
		return exitPass
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(e.stderr, "apigw-preflight: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(e.stderr, "apigw-preflight: %v\n", err)
	return exitToolError
}

func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		printUsage(e.stderr)
		return &exitError{code: exitUsage}
	}
	name := args[0]
	switch name {
	case "-h", "--help":
		printUsage(e.stdout)
		return nil
	case "--version", "-v":
		return runVersion(ctx, e, nil)
	case completeCmd, completeNoDescCmd:
		return runComplete(e, args)
	case manCmd:
		return runMan(e, args[1:])
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
	}
	return unknownCommand(name)
}

// unknownCommand is the usage error for a command that is not in the
// table, naming the one meant when it is close.
func unknownCommand(name string) error {
	if s := suggestCommand(name); s != "" {
		return usageErr("unknown command %q; did you mean %q?", name, s)
	}
	return usageErr("unknown command %q; run 'apigw-preflight --help' for the list", name)
}

func printUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("apigw-preflight: preflight checks for moving an Alibaba Cloud API Gateway API group\n")
	b.WriteString("to another gateway instance (serverless to dedicated, dedicated to dedicated).\n\n")
	b.WriteString("Usage:\n  apigw-preflight COMMAND [flags] [args]\n\nCommands:\n")
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.name))
	}
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, c.name, c.summary)
	}
	b.WriteString("\nRun 'apigw-preflight COMMAND --help' for a command's flags.\n\n")
	b.WriteString(exitCodeHelp())
	io.WriteString(w, b.String())
}

// exitCodeHelp renders the exit code table for help texts.
func exitCodeHelp() string {
	var b strings.Builder
	b.WriteString("Exit codes:\n")
	for _, c := range exitCodes {
		fmt.Fprintf(&b, "  %d  %s\n", c.Code, c.Meaning)
	}
	return b.String()
}

// verdictExit is the one mapping from the gate's verdict to an exit code.
func verdictExit(v report.Verdict) int {
	switch v {
	case report.VerdictPass:
		return exitPass
	case report.VerdictFail:
		return exitGateFailed
	}
	return exitToolError
}

// exitFor turns a result's verdict into the error main expects.
func exitFor(r *report.Result) error {
	switch code := verdictExit(r.Verdict()); code {
	case exitPass:
		return nil
	case exitGateFailed:
		return errGateFailed
	default:
		return withCode(code, fmt.Errorf("%d rule evaluation(s) failed; the reports list them", r.Summary().RuleErrors))
	}
}

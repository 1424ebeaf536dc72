// Command apigw-emulator serves an emulated Alibaba Cloud CloudAPI
// (2016-07-14) and ECS (2014-05-26) RPC endpoint on loopback, seeded from a
// world file, so the preflight and its tests can run against the real SDK
// without a cloud account.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/emulator"
)

const usage = `apigw-emulator: an Alibaba Cloud API Gateway (CloudAPI 2016-07-14) and ECS
(2014-05-26) RPC endpoint for tests and demos, serving the state in a world file.

Usage:
  apigw-emulator --world FILE [--addr HOST:PORT] [--addr-file FILE] [--log FILE] [--seed N]

It answers DescribeApiGroup, DescribeInstances, DescribeApis, DescribeDeployedApi,
DescribeVpcAccesses, DescribeGroupQps, DescribeInstanceQps, ModifyApiGroupInstance,
DescribeSecurityGroupAttribute and DescribeSecurityGroups at "/", verifying the
access key, STS token and HMAC-SHA1 signature of every request like the cloud.
It listens on loopback only. The world format is described in
emulator/README.md; testdata/worlds/demo.yaml is a complete example.

Flags:
%s
Point the Go SDK at it with client.Domain = "127.0.0.1:PORT" and request Scheme
"http". Stop it with Ctrl-C or SIGTERM.

Example:
  apigw-emulator --world testdata/worlds/demo.yaml --addr 127.0.0.1:8087 --addr-file /tmp/emu.url

Exit status: 0 after a clean shutdown, 1 when it cannot serve, 2 for a usage or world-file error.
`

// exitError carries the exit status for an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "apigw-emulator:", err)
		code := 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		os.Exit(code)
	}
}

type options struct {
	addr, world, log, addrFile string
	seed                       int64
}

func parseFlags(args []string, stdout io.Writer) (*options, error) {
	var o options
	fs := pflag.NewFlagSet("apigw-emulator", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "listen `HOST:PORT`; the host must be loopback (127.0.0.1, ::1, localhost); port 0 picks a free one")
	fs.StringVar(&o.world, "world", "", "world `FILE` (YAML or JSON) to serve (required)")
	fs.StringVar(&o.log, "log", "", "append one line per request to `FILE` (default stderr); never logs secrets or signatures")
	fs.StringVar(&o.addrFile, "addr-file", "", "write the listening URL (e.g. http://127.0.0.1:40123) to `FILE` once ready; removed on exit")
	fs.Int64Var(&o.seed, "seed", 1, "`N` seeds the random source of faults that fire with a probability below 1")
	help := fs.BoolP("help", "h", false, "show this help")
	if err := fs.Parse(args); err != nil {
		return nil, usageError("%v (see --help)", err)
	}
	if *help {
		fmt.Fprintf(stdout, usage, strings.ReplaceAll(fs.FlagUsages(), "[=true|false]", "             "))
		return nil, nil
	}
	if fs.NArg() > 0 {
		return nil, usageError("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if o.world == "" {
		return nil, usageError("--world FILE is required (e.g. --world testdata/worlds/demo.yaml)")
	}
	if err := checkLoopback(o.addr); err != nil {
		return nil, err
	}
	return &o, nil
}

// checkLoopback refuses to listen anywhere but loopback: the emulator
// accepts well-known test credentials.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError("--addr %q: want HOST:PORT, e.g. 127.0.0.1:8087", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		host = "all interfaces"
	}
	return usageError("--addr %q: refusing to listen on %s; the emulator accepts test credentials and serves loopback only (use 127.0.0.1 or ::1)", addr, host)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stdout)
	if err != nil || o == nil {
		return err
	}
	world, err := emulator.LoadWorld(o.world)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	logw := stderr
	if o.log != "" {
		f, err := os.OpenFile(o.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return &exitError{code: 2, err: fmt.Errorf("open log: %w", err)}
		}
		defer f.Close()
		logw = f
	}
	srv := emulator.New(world, emulator.WithLog(logw), emulator.WithSeed(o.seed))

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	url := "http://" + ln.Addr().String()
	if o.addrFile != "" {
		if err := writeAtomic(o.addrFile, url+"\n"); err != nil {
			ln.Close()
			return fmt.Errorf("write --addr-file: %w", err)
		}
		defer os.Remove(o.addrFile)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "apigw-emulator listening on %s\n", url)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// writeAtomic writes data so that a reader never sees a partial file.
func writeAtomic(path, data string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".addr-*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"slices"

	"golang.org/x/term"

	"github.com/apigw-preflight/apigw-preflight/policies"
	"github.com/apigw-preflight/apigw-preflight/report"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=...
// -X main.date=..." (make build, GoReleaser); empty otherwise.
var (
	version = ""
	commit  = ""
	date    = ""
)

const informationURI = "https://github.com/apigw-preflight/apigw-preflight"

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "0.1.0-dev"
}

func toolInfo() report.Tool {
	return report.Tool{Name: "apigw-preflight", Version: toolVersion(), InformationURI: informationURI}
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// buildCommit and buildDate fall back on what the Go toolchain stamped
// into the binary (a build in a git checkout), then on "unknown".
func buildCommit() string {
	if commit != "" {
		return commit
	}
	return buildSetting("vcs.revision")
}

func buildDate() string {
	if date != "" {
		return date
	}
	return buildSetting("vcs.time")
}

func buildSetting(key string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == key && s.Value != "" {
				return s.Value
			}
		}
	}
	return "unknown"
}

func runVersion(_ context.Context, e *env, args []string) error {
	if slices.Contains(args, "--help") || slices.Contains(args, "-h") {
		fmt.Fprintf(e.stdout, "Usage: apigw-preflight version\n\nPrint the version, the commit, the build date and the rule pack's version.\n\n%s", commandExitHelp("version"))
		return nil
	}
	pack, err := policies.PackVersion()
	if err != nil {
		return withCode(exitToolError, err)
	}
	fmt.Fprintf(e.stdout, "apigw-preflight %s\ncommit:    %s\nbuilt:     %s\nrule pack: %s\n",
		toolVersion(), buildCommit(), buildDate(), pack)
	return nil
}

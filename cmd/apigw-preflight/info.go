package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"

	"golang.org/x/term"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

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

func runVersion(_ context.Context, e *env, _ []string) error {
	fmt.Fprintf(e.stdout, "apigw-preflight %s\n", toolVersion())
	return nil
}

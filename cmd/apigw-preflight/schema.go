package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/snapshot"
)

func schemaHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight schema

Print the snapshot contract (schema version %s) as a JSON Schema
(draft 2020-12), the one every input is validated against: give it to an
editor or a validator to check snapshots written by other tools.

Flags:
%s
%s`, snapshot.SchemaVersion, fs.FlagUsages(), commandExitHelp("schema"))
}

func runSchema(_ context.Context, e *env, args []string) error {
	fs := newFlagSet("schema")
	if err := parseFlags(e, fs, args, schemaHelp); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("schema: unexpected argument %q; run 'apigw-preflight schema --help'", fs.Arg(0))
	}
	if _, err := e.stdout.Write(snapshot.SchemaJSON); err != nil {
		return withCode(exitToolError, fmt.Errorf("write the schema: %w", err))
	}
	return nil
}

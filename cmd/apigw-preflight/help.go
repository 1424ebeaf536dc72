package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

func helpHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight help [COMMAND [SUBCOMMAND]]

Print the help of COMMAND, exactly what 'apigw-preflight COMMAND --help'
prints; without COMMAND, the list of commands ('apigw-preflight --help').
The same texts are in the man pages: man apigw-preflight-COMMAND.

Flags:
%s
%s`, fs.FlagUsages(), commandExitHelp("help"))
}

func runHelpCommand(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("help")
	// 'help check --format' asks for check's help, not for a flag of help.
	fs.SetInterspersed(false)
	if err := parseFlags(e, fs, args, helpHelp); err != nil {
		return err
	}
	words := fs.Args()
	if len(words) == 0 {
		printUsage(e.stdout)
		return nil
	}
	if !isCommand(words[0]) {
		return unknownCommand(words[0])
	}
	if len(words) > 2 || (len(words) == 2 && strings.HasPrefix(words[1], "-")) {
		return usageErr("help: want 'help COMMAND' or 'help COMMAND SUBCOMMAND', got %q; run 'apigw-preflight help --help'", strings.Join(words, " "))
	}
	return dispatch(ctx, e, append(words, "--help"))
}

func isCommand(name string) bool {
	for _, c := range commands() {
		if c.name == name {
			return true
		}
	}
	return false
}

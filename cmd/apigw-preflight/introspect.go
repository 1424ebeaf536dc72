package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// Completion, the man pages and "did you mean" need every command's flags
// and help. They are read the way a user reads them: by running the
// command with --help. parseFlags records the flag set it parses into
// (env.flags); the help text is what the command printed. Nothing else
// runs: a command parses its flags before it does anything, and --help
// ends it there. A new command, or a new flag, is picked up without a line
// written for it.

// commandDoc is what one command (or subcommand) says about itself.
type commandDoc struct {
	path    []string // "policies", "list"
	summary string
	help    string         // exactly what 'CMD --help' prints
	flags   *pflag.FlagSet // empty for a command without flags
	subs    []commandDoc
}

func (d commandDoc) name() string { return strings.Join(d.path, " ") }

// subcommandSummaries describes the subcommands the help texts name; a
// subcommand exists when its command's usage lines name it (see
// usageSubcommands), whether it is described here or not.
var subcommandSummaries = map[string]string{
	"policies list":   "list the rules with their IDs, severities, titles and parameters",
	"policies show":   "show one rule whole",
	"policies test":   "run the Rego unit tests of organisation policies",
	"policies bundle": "write the rules as an OPA bundle",
}

// inspect runs 'PATH... --help' with stdout captured and returns its help
// and flags. ok is false when the command did not end with its help (an
// unknown command, or a path a command does not take).
func inspect(e *env, path []string) (doc commandDoc, ok bool) {
	var out bytes.Buffer
	fe := &env{
		stdin:  strings.NewReader(""),
		stdout: &out,
		stderr: io.Discard,
		getenv: e.getenv,
		flags:  new(*pflag.FlagSet),
	}
	err := dispatch(context.Background(), fe, append(append([]string(nil), path...), "--help"))
	if err != nil && err != errHelp {
		return commandDoc{}, false
	}
	doc = commandDoc{path: path, help: out.String(), flags: *fe.flags}
	if doc.flags == nil {
		doc.flags = newFlagSet(path[len(path)-1])
	}
	return doc, true
}

// commandDocs inspects every command of the table and the subcommands its
// usage lines name.
func commandDocs(e *env) []commandDoc {
	var docs []commandDoc
	for _, c := range commands() {
		d, ok := inspect(e, []string{c.name})
		if !ok {
			continue
		}
		d.summary = c.summary
		for _, sub := range usageSubcommands(c.name, d.help) {
			sd, ok := inspect(e, []string{c.name, sub})
			if !ok {
				continue
			}
			sd.summary = subcommandSummaries[c.name+" "+sub]
			d.subs = append(d.subs, sd)
		}
		docs = append(docs, d)
	}
	return docs
}

// usageSubcommands returns the words that follow 'apigw-preflight NAME' in
// the usage lines at the top of a help text ("policies list ...",
// "policies show ..."), in order, once each.
func usageSubcommands(name, help string) []string {
	var subs []string
	lines := strings.Split(help, "\n")
	if !strings.HasPrefix(lines[0], "Usage:") {
		return nil
	}
	for _, line := range lines {
		if line == "" {
			break
		}
		f := strings.Fields(strings.TrimPrefix(line, "Usage:"))
		if len(f) < 3 || f[0] != "apigw-preflight" || f[1] != name || !subcommandWord.MatchString(f[2]) {
			continue
		}
		if !slices.Contains(subs, f[2]) {
			subs = append(subs, f[2])
		}
	}
	return subs
}

var subcommandWord = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

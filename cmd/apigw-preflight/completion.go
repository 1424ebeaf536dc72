package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/apigw-preflight/apigw-preflight/report"
)

// Shell completion: the scripts are cobra's, and so is the protocol they
// speak (the hidden command __complete, which prints the candidates and a
// directive). The cobra command tree is built for completion only, from
// the command table and what each command says of itself (introspect.go);
// the commands themselves parse with pflag as before.

const (
	completeCmd       = cobra.ShellCompRequestCmd       // __complete
	completeNoDescCmd = cobra.ShellCompNoDescRequestCmd // __completeNoDesc
)

// completionShells are the shells 'completion' writes a script for.
var completionShells = []struct{ name, desc string }{
	{"bash", "bash 4.1 or later, with or without the bash-completion package"},
	{"zsh", "zsh (compinit)"},
	{"fish", "fish"},
	{"powershell", "PowerShell 5 or later"},
}

func completionHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: apigw-preflight completion bash|zsh|fish|powershell [flags]

Print the completion script of a shell: commands, subcommands, flags and the
values of --format, --fail-on, --color and policies --output complete, and
file names wherever a file is expected. The script asks apigw-preflight for
the candidates each time, so it stays in step with the installed version.

  bash        add to ~/.bashrc:
                source <(apigw-preflight completion bash)
              or, with the bash-completion package, install it once:
                apigw-preflight completion bash > ~/.local/share/bash-completion/completions/apigw-preflight
  zsh         with compinit enabled, write it to a directory of $fpath:
                apigw-preflight completion zsh > "${fpath[1]}/_apigw-preflight"
  fish        apigw-preflight completion fish > ~/.config/fish/completions/apigw-preflight.fish
  powershell  add to $PROFILE:
                apigw-preflight completion powershell | Out-String | Invoke-Expression

The release archives carry the four scripts in completions/.

Flags:
%s
%s`, fs.FlagUsages(), commandExitHelp("completion"))
}

func runCompletion(_ context.Context, e *env, args []string) error {
	fs := newFlagSet("completion")
	noDesc := fs.Bool("no-descriptions", false, "leave the descriptions of the candidates out")
	if err := parseFlags(e, fs, args, completionHelp); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("completion: want one shell: bash, zsh, fish or powershell; run 'apigw-preflight completion --help'")
	}
	root := completionTree(e)
	var err error
	switch shell := fs.Arg(0); shell {
	case "bash":
		var b bytes.Buffer
		if err = root.GenBashCompletionV2(&b, !*noDesc); err == nil {
			_, err = io.WriteString(e.stdout, bashWithoutBashCompletion(b.String()))
		}
	case "zsh":
		if *noDesc {
			err = root.GenZshCompletionNoDesc(e.stdout)
		} else {
			err = root.GenZshCompletion(e.stdout)
		}
	case "fish":
		err = root.GenFishCompletion(e.stdout, !*noDesc)
	case "powershell":
		if *noDesc {
			err = root.GenPowerShellCompletion(e.stdout)
		} else {
			err = root.GenPowerShellCompletionWithDesc(e.stdout)
		}
	default:
		if s := suggest(shell, []string{"bash", "zsh", "fish", "powershell"}); s != "" {
			return usageErr("completion: unknown shell %q; did you mean %q?", shell, s)
		}
		return usageErr("completion: unknown shell %q; want bash, zsh, fish or powershell", shell)
	}
	if err != nil {
		return withCode(exitToolError, fmt.Errorf("write the completion script: %w", err))
	}
	return nil
}

// bashInitFallback is what cobra's bash script does to read the command
// line when the bash-completion package's _init_completion is missing: it
// needs the package's _get_comp_words_by_ref all the same.
const bashInitFallback = `__apigw-preflight_init_completion()
{
    COMPREPLY=()
    _get_comp_words_by_ref "$@" cur prev words cword
}
`

// bashInit reads the command line without the bash-completion package
// too: the words up to the cursor, split at blanks only, as
// _get_comp_words_by_ref -n =: would (so --format=sarif stays one word).
const bashInit = `__apigw-preflight_init_completion()
{
    COMPREPLY=()
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        _get_comp_words_by_ref "$@" cur prev words cword
        return
    fi
    local line="${COMP_LINE:0:COMP_POINT}"
    read -ra words <<<"$line"
    if [[ -z $line || $line == *[[:blank:]] ]]; then
        words+=("")
    fi
    cword=$(( ${#words[@]} - 1 ))
    cur=${words[cword]}
    prev=${words[cword-1]}
}
`

// bashWithoutBashCompletion makes cobra's bash script work in a bash
// without the bash-completion package.
func bashWithoutBashCompletion(script string) string {
	return strings.Replace(script, bashInitFallback, bashInit, 1)
}

// runComplete answers the completion scripts: args is the command line
// after the program's name, "__complete" first, the word being completed
// last.
func runComplete(e *env, args []string) error {
	root := completionTree(e)
	root.SetArgs(args)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	if err := root.Execute(); err != nil {
		return withCode(exitToolError, err)
	}
	return nil
}

// completionTree is the cobra command tree of the command table, with
// every command's flags and the values that complete.
func completionTree(e *env) *cobra.Command {
	// In the order of the table, as the help lists them.
	cobra.EnableCommandSorting = false
	root := &cobra.Command{
		Use:               "apigw-preflight",
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	docs := commandDocs(e)
	for _, d := range docs {
		c := completionCommand(d)
		for _, sd := range d.subs {
			c.AddCommand(completionCommand(sd))
		}
		switch d.name() {
		case "help":
			c.ValidArgsFunction = helpArgs(docs)
			// cobra would add a help command of its own otherwise.
			root.SetHelpCommand(c)
			continue
		case "completion":
			c.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				var out []cobra.Completion
				for _, s := range completionShells {
					out = append(out, cobra.CompletionWithDesc(s.name, s.desc))
				}
				return out, cobra.ShellCompDirectiveNoFileComp
			}
		}
		root.AddCommand(c)
	}
	return root
}

func completionCommand(d commandDoc) *cobra.Command {
	c := &cobra.Command{
		Use:   d.path[len(d.path)-1],
		Short: d.summary,
		// Never run: the tree only answers __complete.
		Run:                   func(*cobra.Command, []string) {},
		DisableFlagsInUseLine: true,
	}
	d.flags.VisitAll(func(f *pflag.Flag) {
		// The description without the quotes that mark the value's name.
		cp := *f
		cp.Usage = strings.ReplaceAll(f.Usage, "`", "")
		c.Flags().AddFlag(&cp)
		if fn := flagValues(d.path[0], f.Name); fn != nil {
			_ = c.RegisterFlagCompletionFunc(f.Name, fn)
		}
	})
	return c
}

// flagValues completes the value of a flag: a flag of one command first
// ("policies output"), else any command's flag of that name; nil leaves
// the shell's default, file names.
func flagValues(command, flag string) cobra.CompletionFunc {
	fixed := func(values ...string) cobra.CompletionFunc {
		return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
	}
	switch command + " " + flag {
	case "policies output":
		return fixed("text", "json", "markdown")
	}
	switch flag {
	case "format":
		return completeFormat
	case "fail-on":
		return fixed(report.ThresholdNames...)
	case "color":
		return fixed("auto", "always", "never")
	}
	return nil
}

// completeFormat completes FORMAT[=FILE]: the format names with their
// descriptions, then, after '=', the files.
func completeFormat(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	name, file, hasFile := strings.Cut(toComplete, "=")
	if !hasFile {
		var out []cobra.Completion
		for _, f := range report.Formats() {
			out = append(out, cobra.CompletionWithDesc(f.Name, f.Description))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	// The shell completes the word whole, "sarif=" included, so the file
	// names are listed here.
	matches, _ := filepath.Glob(globEscape(file) + "*")
	var out []cobra.Completion
	dirs := 0
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.IsDir() {
			m += string(filepath.Separator)
			dirs++
		}
		out = append(out, name+"="+m)
	}
	directive := cobra.ShellCompDirectiveNoFileComp
	if dirs > 0 {
		directive |= cobra.ShellCompDirectiveNoSpace
	}
	return out, directive
}

// globEscape quotes the pattern characters of a typed path.
func globEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(s)
}

// helpArgs completes 'help COMMAND [SUBCOMMAND]'.
func helpArgs(docs []commandDoc) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		switch len(args) {
		case 0:
			for _, d := range docs {
				out = append(out, cobra.CompletionWithDesc(d.name(), d.summary))
			}
		case 1:
			for _, d := range docs {
				if d.name() == args[0] {
					for _, sd := range d.subs {
						out = append(out, cobra.CompletionWithDesc(sd.path[1], sd.summary))
					}
				}
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

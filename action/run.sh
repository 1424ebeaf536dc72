#!/usr/bin/env bash
# Runs apigw-preflight for the GitHub Action (action.yml) and records what
# the next steps need. Reads its settings from the environment:
#
#   BIN            the binary install.sh put in place
#   ARGS           the command line after "apigw-preflight", read as bash
#                  reads words (quotes, $VARS and globs apply)
#   SARIF_FILE     the SARIF report the command writes, to upload; may be empty
#   JOB_SUMMARY    "true" to append the report to the job summary
#   RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY  as set by the runner
#
# Writes the outputs exit-code and, when SARIF_FILE was written, sarif-path
# (absolute). Exits 0 whatever the command did: the action's last step
# exits with the command's code, after the SARIF upload.
set -o pipefail

# One command line, also when the workflow wrote it over several lines.
args=${ARGS//$'\\\n'/}
args=${args//$'\n'/ }
eval "set -- $args" || { echo "exit-code=2" >>"$GITHUB_OUTPUT"; echo "::error title=apigw-preflight::args: not a command line: $ARGS" >&2; exit 0; }

# A markdown report for the summary, once the tool has that format: check
# and run list their formats under "Formats:" in --help.
summary_md=""
if [ "${JOB_SUMMARY:-true}" = true ] && { [ "${1:-}" = check ] || [ "${1:-}" = run ]; } &&
   "$BIN" "$1" --help 2>/dev/null | sed -n '/^Formats:/,/^$/p' | grep -q '^  markdown '; then
  summary_md="$RUNNER_TEMP/apigw-preflight-summary.md"
  # Without a -f of its own the command writes text to stdout; keep that
  # when the summary adds a report.
  text=(-f text)
  for a in "${@:2}"; do
    case $a in -f | -f* | --format | --format=*) text=() ;; esac
  done
  cmd=("$1" "${text[@]}" -f "markdown=$summary_md" "${@:2}")
else
  cmd=("$@")
fi

stdout="$RUNNER_TEMP/apigw-preflight-stdout.txt"
"$BIN" "${cmd[@]}" | tee "$stdout"
code=${PIPESTATUS[0]}
echo "exit-code=$code" >>"$GITHUB_OUTPUT"

if [ -n "${SARIF_FILE:-}" ]; then
  if [ -f "$SARIF_FILE" ]; then
    echo "sarif-path=$(cd "$(dirname "$SARIF_FILE")" && pwd)/$(basename "$SARIF_FILE")" >>"$GITHUB_OUTPUT"
  else
    echo "::warning title=apigw-preflight::$SARIF_FILE was not written (exit $code); nothing to upload. Does args include -f sarif=$SARIF_FILE?"
  fi
fi

if [ "${JOB_SUMMARY:-true}" = true ]; then
  # The meaning of the exit code, from the tool's own table.
  meaning=$("$BIN" --help 2>/dev/null | sed -n '/^Exit codes:/,$p' | awk -v c="$code" '$1 == c { $1 = ""; sub(/^ +/, ""); print; exit }')
  {
    echo "### apigw-preflight ${1:-}"
    echo
    echo "Exit code $code${meaning:+: $meaning}."
    echo
    if [ -n "$summary_md" ] && [ -s "$summary_md" ]; then
      cat "$summary_md"
    elif [ -s "$stdout" ]; then
      # A fence longer than any run of backticks in the report.
      longest=$(grep -o '`*' "$stdout" | awk '{ if (length > n) n = length } END { print n + 0 }')
      fence='```'
      while [ "${#fence}" -le "$longest" ]; do fence="$fence\`"; done
      echo "${fence}text"
      cat "$stdout"
      [ -z "$(tail -c 1 "$stdout")" ] || echo
      echo "$fence"
    else
      echo "The command wrote no report to stdout."
    fi
    echo
  } >>"$GITHUB_STEP_SUMMARY"
fi
exit 0

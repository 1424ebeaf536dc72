#!/usr/bin/env bash
# make bench-compare: check, conftest (through a deny/warn adapter over the
# same rule pack) and a bare OPA prepared-evaluation floor on the same N
# generated snapshots (N=10000 by default; N=... overrides). Checks that
# the three agree on the error and warning counts, then prints wall time,
# CPU time, peak RSS and throughput of each, with the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-10000}
JOBS=${JOBS:-$(getconf _NPROCESSORS_ONLN)}
OUT=out/bench
CONFTEST_VERSION=v0.71.1
mkdir -p "$OUT" bin

if [ ! -x /usr/bin/time ]; then
	echo "bench-compare: /usr/bin/time is missing; installing the time package" >&2
	apt-get install -y time >/dev/null
fi
CONFTEST=$(command -v conftest || true)
if [ -z "$CONFTEST" ]; then
	echo "bench-compare: installing conftest $CONFTEST_VERSION" >&2
	go install "github.com/open-policy-agent/conftest@$CONFTEST_VERSION"
	CONFTEST=$(go env GOPATH)/bin/conftest
fi

# The adapter's own tests first: the comparison means nothing if it miscounts.
if ! verify=$("$CONFTEST" verify --no-color -p scripts/bench/conftest 2>&1); then
	echo "bench-compare: the conftest adapter's tests fail:" >&2
	echo "$verify" >&2
	exit 1
fi

go build -o bin/apigw-preflight ./cmd/apigw-preflight
go build -o "$OUT/benchtool" ./internal/benchtool
echo "generating $N snapshots in $OUT/snapshots" >&2
"$OUT/benchtool" gen -n "$N" -o "$OUT/snapshots" -data "$OUT/data.json"

# measure NAME CMD...: runs CMD under /usr/bin/time, keeping its stdout in
# $OUT/NAME.out and "wall user sys maxrss_kb" in $OUT/NAME.time. An exit
# status of 0, 1 (conftest: failures found) or 3 (check: gate failed) is a
# run that finished.
measure() {
	local name=$1
	shift
	local rc=0
	/usr/bin/time -f '%e %U %S %M' -o "$OUT/$name.time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
	# time notes a non-zero exit on a line of its own, before the figures.
	tail -1 "$OUT/$name.time" >"$OUT/$name.time.tmp" && mv "$OUT/$name.time.tmp" "$OUT/$name.time"
	case $rc in
	0 | 1 | 3) ;;
	*)
		echo "bench-compare: $name exited $rc:" >&2
		tail -5 "$OUT/$name.err" >&2
		exit 1
		;;
	esac
}

echo "running check, conftest and the OPA floor ($JOBS workers)" >&2
measure check bin/apigw-preflight check --jobs "$JOBS" --max-age 0 -f json="$OUT/check.json" "$OUT/snapshots"
measure conftest "$CONFTEST" test -p policies/lib -p policies/rules -p scripts/bench/conftest \
	--data "$OUT/data.json" -o json "$OUT/snapshots"
measure floor "$OUT/benchtool" floor -jobs "$JOBS" "$OUT/snapshots"

read -r ce cw < <("$OUT/benchtool" count-check "$OUT/check.json")
read -r te tw < <("$OUT/benchtool" count-conftest "$OUT/conftest.out")
read -r fe fw <"$OUT/floor.out"
printf 'findings: check %s errors %s warnings; conftest %s deny %s warn; floor %s errors %s warnings\n' \
	"$ce" "$cw" "$te" "$tw" "$fe" "$fw"
if [ "$ce $cw" != "$te $tw" ] || [ "$ce $cw" != "$fe $fw" ]; then
	echo "bench-compare: the error and warning counts disagree" >&2
	exit 1
fi

read -r cwall cu cs crss <"$OUT/check.time"
awk -v n="$N" -v cwall="$cwall" -v ccpu="$(echo "$cu $cs" | awk '{print $1+$2}')" -v crss="$crss" '
function row(name, wall, cpu, rss) {
	printf "%-9s %8.2f %8.2f %9.1f %12.0f %13.2f %12.2f\n", name, wall, cpu, rss / 1024, n / wall, wall / cwall, cpu / ccpu
}
BEGIN {
	printf "%-9s %8s %8s %9s %12s %13s %12s\n", "tool", "wall s", "CPU s", "RSS MB", "snapshots/s", "wall/check", "CPU/check"
}
{ row($1, $2, $3 + $4, $5) }' <<EOF_ROWS
check $(cat "$OUT/check.time")
conftest $(cat "$OUT/conftest.time")
floor $(cat "$OUT/floor.time")
EOF_ROWS
echo "($N snapshots, $JOBS workers for check and the floor, $(getconf _NPROCESSORS_ONLN) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))"

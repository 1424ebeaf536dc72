#!/usr/bin/env bash
# make demo: the main job end to end, without a cloud account. Starts the
# bundled API emulator on loopback with the demo world, runs the preflight
# for three pending migrations through the real Alibaba Cloud SDK, prints the
# text reports and writes snapshots, SARIF and JUnit under out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=./bin
out=out/demo
world=testdata/worlds/demo.yaml
config=testdata/worlds/demo-config.yaml
mkdir -p "$out"
rm -f "$out"/*

# The demo world's access key; a real run reads the SDK's credentials chain.
export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tDemoPreflight0001
export ALIBABA_CLOUD_ACCESS_KEY_SECRET=demo-secret-not-for-production
export ALIBABA_CLOUD_REGION_ID=cn-hangzhou
unset ALIBABA_CLOUD_SECURITY_TOKEN ALIBABA_CLOUD_PROFILE ALIBABA_CLOUD_ROLE_ARN 2>/dev/null || true

"$bin/apigw-emulator" --world "$world" --addr 127.0.0.1:0 \
  --addr-file "$out/emulator.url" --log "$out/emulator.log" >/dev/null &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; wait "$emulator" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [ -s "$out/emulator.url" ] && break
  kill -0 "$emulator" 2>/dev/null || { echo "demo: the emulator did not start; see $out/emulator.log" >&2; exit 1; }
  sleep 0.1
done
endpoint=$(cat "$out/emulator.url")
echo "== apigw-emulator serving $world at $endpoint"
echo

status=0
# expect WANT CMD...: run CMD, show its exit code, remember a mismatch.
expect() {
  local want=$1 code=0
  shift
  "$@" || code=$?
  echo "-> exit $code (want $want)"
  echo
  [ "$code" = "$want" ] || status=1
}
preflight() { "$bin/apigw-preflight" "$@"; }
live=(--endpoint "$endpoint" --config "$config" --quiet)

# name group destination expected-exit-code
while read -r name group dest want; do
  echo "== apigw-preflight run --group $group --to $dest   ($name)"
  expect "$want" preflight run "${live[@]}" --group "$group" --to "$dest" \
    --snapshot-out "$out/$name.snapshot.json" \
    -f text -f json="$out/$name.json" -f sarif="$out/$name.sarif" -f junit="$out/$name.junit.xml"
done <<'RUNS'
orders    523e8dc7bbe04613b5b1d726c2a7889d apigateway-hz-3f9a1c7e2b84 0
payments  9f4b2a61c0d84e7fa35b6c19e2d07f48 apigateway-hz-3f9a1c7e2b84 3
inventory e1c7305b9a2f4d6c8b14f0a9d3e6c552 apigateway-hz-8d2e6b1f0c57 3
RUNS

echo "== offline: check replays the saved snapshots to the same findings"
replay() {
  preflight check --config "$config" -f text="$out/replay.txt" -f json="$out/replay.json" \
    -f junit="$out/all.junit.xml" -f sarif="$out/all.sarif" "$@" || { local c=$?; tail -n 1 "$out/replay.txt"; return $c; }
}
expect 3 replay "$out"/orders.snapshot.json "$out"/payments.snapshot.json "$out"/inventory.snapshot.json

echo "== the gated migrate step: payments fails its gate, so nothing is written"
expect 3 preflight run "${live[@]}" -f json="$out/payments.migrate.json" \
  --group 9f4b2a61c0d84e7fa35b6c19e2d07f48 --to apigateway-hz-3f9a1c7e2b84 \
  --migrate --yes --audit-log "$out/audit.jsonl"

echo "== the gated migrate step: orders passes, is re-checked, moved and verified"
expect 0 preflight run "${live[@]}" \
  --group 523e8dc7bbe04613b5b1d726c2a7889d --to apigateway-hz-3f9a1c7e2b84 \
  --snapshot-out "$out/orders.migrate.snapshot.json" -f text -f json="$out/orders.migrate.json" \
  --migrate --yes --audit-log "$out/audit.jsonl" --remark "make demo"

echo "== running it again is safe: the group is already on the destination"
expect 0 preflight run "${live[@]}" -f json="$out/orders.again.json" \
  --group 523e8dc7bbe04613b5b1d726c2a7889d --to apigateway-hz-3f9a1c7e2b84 \
  --migrate --yes --audit-log "$out/audit.jsonl"

echo "== waivers: MIG002 on payments accepted with its support ticket (testdata/waivers/demo.yaml)"
# --now pins the time the waivers' expiry is judged at, so these steps give
# the same answer on any day; --max-age 0 leaves out the snapshot's age.
waived() {
  local name=$1 code=0
  shift
  preflight check --config "$config" --now 2026-12-01T00:00:00Z --max-age 0 \
    -f text="$out/$name.txt" -f json="$out/$name.json" -f sarif="$out/$name.sarif" -f junit="$out/$name.junit.xml" \
    "$@" "$out/payments.snapshot.json" || code=$?
  grep -E '^  (ERROR   MIG002|WAIVED|WARNING AGP00|NOTE    AGP00)|waiver:' "$out/$name.txt" | cut -c1-160 | sed 's/^/   /'
  tail -n 1 "$out/$name.txt" | sed 's/^/   /'
  return "$code"
}
echo "-- without waivers: MIG002 is one of the errors failing the gate"
expect 3 waived payments.unwaived
echo "-- with the waiver: MIG002 is reported as waived and no longer counts (the other errors still fail the gate)"
expect 3 waived payments.waived --waivers testdata/waivers/demo.yaml
echo "-- the same waiver past its expiry: AGP002 says so, and MIG002 fails the gate again"
expect 3 waived payments.expired --waivers testdata/waivers/demo-expired.yaml
echo "== your own policies: a native rule, a conftest policy and a data file (testdata/policies) beside the built-in rules"
expect 3 preflight check --color never --now 2026-12-01T00:00:00Z \
  --policy testdata/policies/acme --policy testdata/policies/conftest --data testdata/policies/data \
  -f text -f json="$out/org.json" -f sarif="$out/org.sarif" testdata/snapshots/healthy.json testdata/snapshots/vpc-connect-healthy.json
expect 0 preflight policies show --policy testdata/policies/acme ACME001
echo "-- their tests, with the lib and the data loaded (exit 3 if one failed)"
expect 0 preflight policies test --data testdata/policies/data testdata/policies
echo "-- the built-in rules and these as one OPA bundle, for opa run --server -b $out/org-bundle.tar.gz"
expect 0 preflight policies bundle -o "$out/org-bundle.tar.gz" --policy testdata/policies --data testdata/policies/data
echo "== apigw-preflight audit: six groups, each onto a planned and a candidate instance"
# The placement matrix ends the text report; MIG017 finds that listings,
# discovery and reviews do not fit the small instance together (orders is on it
# already); payments fails its planned destination (exit 3). The json report
# holds the matrix.
expect 3 preflight audit "${live[@]}" --plan testdata/plans/demo-audit.yaml \
  -f text -f json="$out/audit.json" -f html="$out/audit.html"
echo "== second-wave checks: catalog fires them (private IP, private DNS, ACL, plug-ins, limits, CNAME, VPC callers, cache, window); search is healthy"
expect 3 preflight run "${live[@]}" -f text -f json="$out/catalog.json" \
  --group c4a8e2f60b1d4c7e9a3f5b7d1e0c2a48 --to apigateway-hz-2b7e4f1a9c30 \
  --snapshot-out "$out/catalog.snapshot.json"
expect 0 preflight run "${live[@]}" -f json="$out/search.json" \
  --group 2d6f0b4e8a1c4e9b7d3f5a1c0e2b4d68 --to apigateway-hz-7a4c1e9b3d52 \
  --snapshot-out "$out/search.snapshot.json"

echo "== audit log $out/audit.jsonl (one line per attempt):"
# Plain shell, so the demo needs nothing beyond Go, git and make: each line
# is one compact JSON object, and these keys are plain top-level strings.
field() { sed -n 's/.*"'"$1"'":"\([^"]*\)".*/\1/p' <<<"$2"; }
while IFS= read -r line; do
  sha=$(field reportSha256 "$line")
  echo "   $(field groupName "$line") -> $(field destination "$line"): verdict $(field verdict "$line"), status $(field status "$line"), report sha256 ${sha:0:12}…"
done <"$out/audit.jsonl"
echo
echo "== reports written to $out/:"
ls -1 "$out" | sed 's/^/   /'
if [ "$status" -ne 0 ]; then
  echo "demo: an exit code was not the expected one" >&2
fi
exit "$status"

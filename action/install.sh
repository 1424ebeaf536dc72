#!/usr/bin/env bash
# Installs apigw-preflight for the GitHub Action (action.yml): a release
# archive, verified against the release's checksums file, or a build of the
# action's own source. Reads its settings from the environment:
#
#   VERSION        a release tag (v0.2.0 or 0.2.0) or "latest"
#   FROM_SOURCE    "true" to build SOURCE_DIR with go instead
#   SOURCE_DIR     the action's checkout (go.mod at its root)
#   DOWNLOAD_URL   where releases are, e.g. https://github.com/OWNER/REPO/releases
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT  as set by the runner
#
# Writes the outputs path (the binary) and version, and puts the binary's
# directory on GITHUB_PATH for later steps.
set -euo pipefail

fail() { echo "::error title=apigw-preflight::$*" >&2; exit 1; }

dir="$RUNNER_TEMP/apigw-preflight/bin"
mkdir -p "$dir"
exe=apigw-preflight
case "$RUNNER_OS" in
  Linux) os=linux ;;
  macOS) os=darwin ;;
  Windows) os=windows exe=apigw-preflight.exe ;;
  *) fail "runner OS $RUNNER_OS has no release build; set build-from-source: true" ;;
esac
case "$RUNNER_ARCH" in
  X64) arch=amd64 ;;
  ARM64) arch=arm64 ;;
  *) fail "runner architecture $RUNNER_ARCH has no release build; set build-from-source: true" ;;
esac

if [ "${FROM_SOURCE:-false}" = true ]; then
  # The ref in uses: names what is built: a release tag gives the version,
  # a commit SHA the commit.
  ref=${GITHUB_ACTION_REF:-}
  version=source
  ldflags="-s -w"
  if [[ "$ref" =~ ^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then version=${ref#v}; fi
  if [[ "$ref" =~ ^[0-9a-f]{40}$ ]]; then ldflags="$ldflags -X main.commit=$ref"; fi
  (cd "$SOURCE_DIR" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags -X main.version=$version" \
      -o "$dir/$exe" ./cmd/apigw-preflight) || fail "could not build apigw-preflight from $SOURCE_DIR"
else
  tag=$VERSION
  if [ "$tag" = latest ]; then
    # The latest release's page redirects to .../releases/tag/vX.Y.Z.
    url=$(curl -fsSL --retry 3 -o /dev/null -w '%{url_effective}' "$DOWNLOAD_URL/latest") ||
      fail "could not look up the latest release at $DOWNLOAD_URL/latest"
    case "$url" in
      */releases/tag/*) tag=${url##*/} ;;
      *) fail "no release found at $DOWNLOAD_URL/latest; set version or build-from-source: true" ;;
    esac
  fi
  [[ "$tag" =~ ^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
    fail "version \"$tag\": want a release such as v0.2.0, or latest"
  version=${tag#v}
  ext=tar.gz
  [ "$os" = windows ] && ext=zip
  archive="apigw-preflight_${version}_${os}_${arch}.$ext"
  sums="apigw-preflight_${version}_checksums.txt"
  tmp=$(mktemp -d "$RUNNER_TEMP/apigw-preflight-download.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  for f in "$sums" "$archive"; do
    curl -fsSL --retry 3 -o "$tmp/$f" "$DOWNLOAD_URL/download/v$version/$f" ||
      fail "could not download $DOWNLOAD_URL/download/v$version/$f"
  done
  want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/$sums")
  [ -n "$want" ] || fail "$sums lists no checksum for $archive"
  if command -v sha256sum >/dev/null; then
    got=$(sha256sum "$tmp/$archive" | awk '{ print $1 }')
  else
    got=$(shasum -a 256 "$tmp/$archive" | awk '{ print $1 }')
  fi
  [ "$got" = "$want" ] || fail "$archive: SHA-256 $got, but $sums says $want; not installed"
  mkdir "$tmp/x"
  if [ "$ext" = zip ]; then
    unzip -q "$tmp/$archive" "$exe" -d "$tmp/x"
  else
    tar -xzf "$tmp/$archive" -C "$tmp/x" "$exe"
  fi
  mv "$tmp/x/$exe" "$dir/$exe"
fi
chmod +x "$dir/$exe"
echo "$dir" >>"$GITHUB_PATH"
{
  echo "path=$dir/$exe"
  echo "version=$version"
} >>"$GITHUB_OUTPUT"
"$dir/$exe" version

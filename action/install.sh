#!/bin/sh
# Installs the `partner-center` binary of one release, checked against the
# release's SHA256SUMS; falls back to `cargo install` where no asset fits.
#
#   sh action/install.sh --version V --dir DIR [--target TRIPLE]
#                        [--base-url URL] [--no-fallback]
#   sh action/install.sh --resolve [--version V] [--target TRIPLE]
#
# Downloads URL/vV/partner-center-V-TRIPLE.tar.gz (.zip for Windows targets)
# and URL/vV/SHA256SUMS, verifies the archive, unpacks it into DIR and prints
# the binary's path as its last line. --resolve prints `version=V` and
# `target=T` (for $GITHUB_OUTPUT) and installs nothing. Without --version,
# the version is the workspace's, read from the Cargo.toml beside this
# script (the action's own release). Needs curl or wget, tar (unzip or
# PowerShell for .zip), and sha256sum, shasum or openssl.
# Exit codes: 0 installed; 1 failed (nothing installed); 64 usage error.
set -eu

repository="https://github.com/partner-center-ingestion/partner-center-ingestion"
here=$(cd "$(dirname "$0")" && pwd)
version=""
dir=""
target=""
base_url="$repository/releases/download"
fallback=yes
resolve=no

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
usage() { say "$*"; say "usage: install.sh --version V --dir DIR [--target TRIPLE] [--base-url URL] [--no-fallback]"; exit 64; }

while [ $# -gt 0 ]; do
    case "$1" in
        --version) [ $# -ge 2 ] || usage "--version needs a value"; version=$2; shift 2 ;;
        --dir) [ $# -ge 2 ] || usage "--dir needs a value"; dir=$2; shift 2 ;;
        --target) [ $# -ge 2 ] || usage "--target needs a value"; target=$2; shift 2 ;;
        --base-url) [ $# -ge 2 ] || usage "--base-url needs a value"; base_url=${2%/}; shift 2 ;;
        --no-fallback) fallback=no; shift ;;
        --resolve) resolve=yes; shift ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) usage "unknown option: $1" ;;
    esac
done

# The version: given, or the workspace's ([workspace.package] version).
if [ -z "$version" ]; then
    manifest="$here/../Cargo.toml"
    [ -f "$manifest" ] || usage "--version is missing, and there is no $manifest to read it from"
    version=$(awk '
        /^\[/ { section = $0 }
        section == "[workspace.package]" && /^version[ \t]*=/ {
            sub(/^[^"]*"/, ""); sub(/".*$/, ""); print; exit
        }' "$manifest")
    [ -n "$version" ] || die "no version in [workspace.package] of $manifest; pass --version"
fi
version=${version#v}
case "$version" in
    *[!0-9A-Za-z.+-]*|"") usage "version \"$version\" is not a version such as 0.1.0" ;;
esac

# The target: given, or the machine's, as a Rust target triple.
if [ -z "$target" ]; then
    os=$(uname -s)
    arch=$(uname -m)
    case "$arch" in
        x86_64|amd64|AMD64) arch=x86_64 ;;
        aarch64|arm64|ARM64) arch=aarch64 ;;
    esac
    case "$os" in
        Linux) target="$arch-unknown-linux-gnu" ;;
        Darwin) target="$arch-apple-darwin" ;;
        MINGW*|MSYS*|CYGWIN*|Windows_NT) target="$arch-pc-windows-msvc" ;;
        *) target="$arch-unknown-$os" ;;
    esac
fi

# Targets this script knows: the four with release assets, and the others
# `cargo install` builds for. Anything else is refused.
case "$target" in
    x86_64-unknown-linux-gnu|aarch64-unknown-linux-gnu|aarch64-apple-darwin|x86_64-pc-windows-msvc) ;;
    x86_64-apple-darwin|x86_64-unknown-linux-musl|aarch64-unknown-linux-musl|aarch64-pc-windows-msvc|i686-unknown-linux-gnu|armv7-unknown-linux-gnueabihf|x86_64-unknown-freebsd|riscv64gc-unknown-linux-gnu) ;;
    *) die "unknown target \"$target\": partner-center is released for x86_64-unknown-linux-gnu, aarch64-unknown-linux-gnu, aarch64-apple-darwin and x86_64-pc-windows-msvc; pass one of those with --target, or install it with cargo install --locked partner-center-cli" ;;
esac

if [ "$resolve" = yes ]; then
    echo "version=$version"
    echo "target=$target"
    exit 0
fi
[ -n "$dir" ] || usage "--dir is missing"

case "$target" in
    *-windows-*) ext=zip; exe=partner-center.exe ;;
    *) ext=tar.gz; exe=partner-center ;;
esac
asset="partner-center-$version-$target.$ext"
release="$base_url/v$version"

fetch() { # URL FILE: 0 fetched, 1 failed
    if command -v curl >/dev/null 2>&1; then
        curl --fail --silent --show-error --location --retry 3 --output "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget --quiet --tries=3 --output-document="$2" "$1"
    else
        die "neither curl nor wget is installed; install one of them"
    fi
}

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | awk '{ print $1 }'
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | awk '{ print $1 }'
    elif command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 "$1" | awk '{ print $NF }'
    else
        die "none of sha256sum, shasum or openssl is installed; one is needed to check the download"
    fi
}

fall_back() { # REASON
    say "$1"
    command_line="cargo install --locked partner-center-cli --version $version --root $dir"
    say "falling back to: $command_line"
    echo "$command_line"
    if [ "$fallback" = no ]; then
        say "not running it (--no-fallback)"
        exit 1
    fi
    command -v cargo >/dev/null 2>&1 || die "cargo is not installed; install Rust (https://rustup.rs) or use a runner with a release asset"
    cargo install --locked partner-center-cli --version "$version" --root "$dir" >&2
    echo "$dir/bin/$exe"
    exit 0
}

work=$(mktemp -d 2>/dev/null || mktemp -d -t partner-center)
trap 'rm -rf "$work"' EXIT INT TERM

say "partner-center $version for $target from $release"
if ! fetch "$release/SHA256SUMS" "$work/SHA256SUMS" 2>"$work/error"; then
    fall_back "no release v$version at $release ($(tr '\n' ' ' < "$work/error"))"
fi
expected=$(awk -v name="$asset" '{ file = $2; sub(/^\*/, "", file) } file == name { print $1; exit }' "$work/SHA256SUMS")
if [ -z "$expected" ]; then
    fall_back "release v$version has no $asset (SHA256SUMS does not list it)"
fi
fetch "$release/$asset" "$work/$asset" 2>"$work/error" \
    || die "cannot download $release/$asset: $(cat "$work/error")"

actual=$(sha256 "$work/$asset")
if [ "$actual" != "$expected" ]; then
    die "$asset does not match SHA256SUMS (expected $expected, got $actual): the download is corrupt or was altered; nothing was installed"
fi

mkdir "$work/unpacked"
case "$ext" in
    tar.gz) tar -xzf "$work/$asset" -C "$work/unpacked" || die "cannot unpack $asset" ;;
    zip)
        if command -v unzip >/dev/null 2>&1; then
            unzip -q "$work/$asset" -d "$work/unpacked" || die "cannot unpack $asset"
        elif command -v powershell.exe >/dev/null 2>&1 && command -v cygpath >/dev/null 2>&1; then
            powershell.exe -NoProfile -NonInteractive -Command \
                "Expand-Archive -LiteralPath '$(cygpath -w "$work/$asset")' -DestinationPath '$(cygpath -w "$work/unpacked")'" \
                || die "cannot unpack $asset with Expand-Archive"
        else
            die "cannot unpack $asset: neither unzip nor PowerShell's Expand-Archive is available"
        fi ;;
esac
[ -f "$work/unpacked/$exe" ] || die "$asset holds no $exe at its top; nothing was installed"

mkdir -p "$dir"
for file in "$work"/unpacked/*; do
    cp -R "$file" "$dir/"
done
chmod +x "$dir/$exe"
say "installed $dir/$exe"
echo "$dir/$exe"

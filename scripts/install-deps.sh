#!/usr/bin/env bash
# Installs what faultline needs on Debian 12, as root (or through sudo).
#   scripts/install-deps.sh          build and run the server
#   scripts/install-deps.sh --test   also everything the tests need (pytest, Sentry SDKs, Node.js,
#                                    the npm test clients in tests/integration, clang + libFuzzer)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DEPS=(build-essential pkg-config libmicrohttpd-dev libjansson-dev zlib1g-dev libbrotli-dev
            libzstd-dev libsqlite3-dev libopenblas-dev libdnnl-dev libpcre2-dev libssl-dev libcmocka-dev libpq-dev)
TEST_DEPS=(python3 python3-pytest python3-sentry-sdk python3-requests python3-brotli
           python3-zstandard curl ca-certificates clang libclang-rt-14-dev)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

want=("${BUILD_DEPS[@]}")
[ "${1:-}" = "--test" ] && want+=("${TEST_DEPS[@]}")
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ "${1:-}" = "--test" ]; then
    # Debian's nodejs + npm, unless a node/npm pair is already there (a NodeSource nodejs ships
    # its own npm and conflicts with Debian's npm package).
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        $SUDO apt-get install -y -q --no-install-recommends nodejs npm
    fi
    (cd tests/integration && npm ci --no-audit --no-fund --loglevel=error)
fi

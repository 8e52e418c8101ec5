#!/usr/bin/env bash
# One-time set-up from a fresh clone: Node >= 22 (bootstrapped from the npm registry into .tools/node when
# the system node is older), Java >= 17 for the Firestore and Pub/Sub emulators, and the npm dependencies.
# `npm test` and `npm run demo` call it with --if-needed: it then returns at once when the set-up of this
# checkout is current (the stamp below records the lockfile and this script it was made from).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
start=$SECONDS

stamp_file=.cache/setup.stamp
stamp() { cat package-lock.json scripts/setup.sh | sha256sum | cut -d' ' -f1; }
if [ "${1:-}" = "--if-needed" ]; then
  if [ -f "$stamp_file" ] && [ -d node_modules ] && [ "$(cat "$stamp_file")" = "$(stamp)" ]; then
    exit 0
  fi
  echo "setup: this checkout is not set up yet (or package-lock.json changed): running scripts/setup.sh"
fi

source scripts/node-env.sh
echo "node $(node --version), npm $(npm --version)"

if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "java not found: installing openjdk-17-jre-headless"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless) >/dev/null
  else
    echo "error: Java 17 or newer is required by the Firestore and Pub/Sub emulators: install OpenJDK 17 (Debian: apt-get install openjdk-17-jre-headless)." >&2
    exit 1
  fi
fi
java -version 2>&1 | head -1

# Debian's Chromium for the real-browser tests (web/test), driven by playwright-core; no browser is ever
# downloaded by npm. CHROMIUM_PATH names another binary.
chromium_bin=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$chromium_bin" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "chromium not found: installing Debian's chromium"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null ||
      { echo "error: apt-get install chromium failed; the browser tests need it (or set CHROMIUM_PATH)." >&2; exit 1; }
  else
    echo "error: Chromium is required by the browser tests: install it as root (Debian: apt-get install chromium) or set CHROMIUM_PATH." >&2
    exit 1
  fi
fi
"$chromium_bin" --version 2>/dev/null | head -1

# Install scripts are skipped, then run only for the packages that need theirs. Skipped on purpose:
# onnxruntime-node's (it would try to download CUDA libraries; the CPU build ships in the package) and re2's
# (firebase-tools -> superstatic, optional, hosting only: its fallback download fails offline and the
# from-source C++ build takes minutes, against Node 20 headers that Node 22 cannot load anyway).
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
npm rebuild --ignore-scripts=false --no-audit --no-fund --loglevel=error @firebase/util protobufjs esbuild
mkdir -p .cache && stamp > "$stamp_file"
echo "setup: $((SECONDS - start)) s"

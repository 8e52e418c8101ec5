# Sourced by .ci/run and scripts/run-node.sh: puts a Node.js >= 22 first on PATH.
# The machine image ships Node 20; firebase-admin 14, @google/genai 3 and Cloud Functions nodejs22 need 22,
# so when the system node is older we install Node 22 from the npm registry (package `node`, which carries
# the official binary) into .tools/node, git-ignored, once.
_clarity_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_clarity_node_dir="$_clarity_root/.tools/node"
_clarity_node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_clarity_node_major node)" -lt 22 ]; then
  if [ ! -x "$_clarity_node_dir/node_modules/node/bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "error: Node.js >= 22 is required and npm is not available to install it; install Node 22 (see .nvmrc)." >&2
      return 1 2>/dev/null || exit 1
    fi
    echo "node: system node is $(node --version 2>/dev/null || echo missing); installing Node 22 from the npm registry into .tools/node" >&2
    mkdir -p "$_clarity_node_dir"
    (cd "$_clarity_node_dir" && printf '{"private":true}\n' > package.json &&
      npm install --no-save --no-audit --no-fund --loglevel=error node@22 >&2) || {
      echo "error: could not install node@22 from the npm registry; install Node 22 yourself (see .nvmrc)." >&2
      return 1 2>/dev/null || exit 1
    }
  fi
  export PATH="$_clarity_node_dir/node_modules/node/bin:$PATH"
fi

#!/usr/bin/env bash
# Runs a Node.js entry point with Node >= 22 (see node-env.sh), whatever node npm itself was started with.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/node-env.sh"
exec node "$@"

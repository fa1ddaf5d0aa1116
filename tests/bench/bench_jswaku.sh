#!/usr/bin/env bash
# 20 labnode and 20 jswaku nodes, same flags, side by side (tests/bench/jswaku_vs_labnode.mjs).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node tests/bench/jswaku_vs_labnode.mjs labnode jswaku

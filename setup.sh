#!/usr/bin/env bash
# Fresh-machine set-up: installs system dependencies and builds the servq binary (release).
# Afterwards: target/release/servq demo && target/release/servq kpi --by queue
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
cargo build --release --locked -p servq-cli
echo "built $(pwd)/target/release/servq" >&2

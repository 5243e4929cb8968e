#!/usr/bin/env bash
# The full test run, as CI runs it: formatting, lints, docs, and every test on SQLite and on a
# PostgreSQL server this script starts.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
# A clean clone gains nothing from incremental caches; they would only take disk.
if [ "${CI:-}" = "true" ]; then export CARGO_INCREMENTAL=0; fi
SERVQ_TEST_PG_URL="$(scripts/pg-start.sh)"
export SERVQ_TEST_PG_URL
echo "PostgreSQL for tests: $SERVQ_TEST_PG_URL" >&2
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
cargo test --workspace --doc --locked --quiet
# Browser tests (playwright-core + Debian chromium) against the built binary.
cargo build --locked --quiet -p servq-cli
SERVQ_BIN="$PWD/target/debug/servq" node --test tests/e2e/
# Last, so that its summary line closes the run.
cargo nextest run --workspace --locked --no-fail-fast

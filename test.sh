#!/usr/bin/env bash
# The full test run, as CI runs it: formatting, lints, docs, and every test on SQLite and on a
# PostgreSQL server this script starts.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
# CI has little disk (a clean build once filled it): no incremental caches, which a clean clone
# never reuses, and no line tables in the test binaries (a third of their size; a panic still
# names its file and line).
if [ "${CI:-}" = "true" ]; then
    export CARGO_INCREMENTAL=0
    export CARGO_PROFILE_DEV_DEBUG=false
fi
SERVQ_TEST_PG_URL="$(scripts/pg-start.sh)"
export SERVQ_TEST_PG_URL
echo "PostgreSQL for tests: $SERVQ_TEST_PG_URL" >&2
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
if [ "${CI:-}" = "true" ]; then scripts/target-prune.sh; fi
cargo test --workspace --doc --locked --quiet
# Browser tests (playwright-core + Debian chromium) against the built binary. It comes from the
# test build (the same artifacts nextest runs below): a separate `cargo build -p servq-cli`
# resolves features without the dev-dependencies and built a second copy of every servq crate
# (about 0.7 GB of CI's disk).
cargo test --workspace --no-run --locked --quiet
SERVQ_BIN="$PWD/target/debug/servq" node --test tests/e2e/
# the disk at its peak: every test binary is built (CI once ran out of disk)
if [ "${CI:-}" = "true" ]; then du -sh target >&2; df -h . >&2; fi
# Last, so that its summary line closes the run.
cargo nextest run --workspace --locked --no-fail-fast

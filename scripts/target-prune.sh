#!/usr/bin/env bash
# Frees the disk that clippy and rustdoc used once their step is over (CI only: a developer's
# next clippy run would have to check everything again). `cargo clippy` and `cargo doc` leave a
# metadata-only build (.rmeta, no .rlib) of every crate beside the real builds that the tests
# need; on a clean clone they are about a gigabyte. Built libraries, proc macros and build
# scripts are kept. The rendered docs go too.
set -euo pipefail
cd "$(dirname "$0")/.."
deps=target/debug/deps
[ -d "$deps" ] || exit 0
freed=0
for meta in "$deps"/*.rmeta; do
    [ -e "$meta" ] || continue
    stem="${meta%.rmeta}"
    if [ ! -e "$stem.rlib" ] && [ ! -e "$stem.so" ]; then
        freed=$((freed + $(stat -c %s "$meta")))
        rm -f "$meta"
    fi
done
if [ -d target/doc ]; then
    freed=$((freed + $(du -sb target/doc | cut -f1)))
    rm -rf target/doc
fi
echo "target-prune: freed $((freed / 1048576)) MiB of clippy/rustdoc output" >&2

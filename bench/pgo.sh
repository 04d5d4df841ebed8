#!/usr/bin/env bash
# Builds wirelens with profile-guided optimisation (PGO): the fastest build,
# the one bench/run.sh times (it times the plain `cargo build --release` too).
#
#   bench/pgo.sh            # writes target/pgo/wirelens (CARGO_TARGET_DIR is honoured)
#
# 1. builds an instrumented binary (rustc -Cprofile-generate) in target/pgo-gen;
# 2. runs it over the captures in samples/ with every report command (the
#    training: small captures made by the lab, never the benchmark's own);
# 3. merges the counts with llvm-profdata, which must match rustc's LLVM
#    (the rustup component llvm-tools, or Debian's llvm-N for LLVM N);
# 4. builds again with the counts (-Cprofile-use) in target/pgo-use, and
#    copies the binary to target/pgo/wirelens.
#
# Why: LLVM lays out the branches and chooses what to inline by the counts
# instead of by guesses. On the benchmark capture this took 5 % of the
# instructions and about 9 % of the CPU time of `flows` (bench/results/
# profile.md). The output is the same: .ci/run compares it on the samples
# and runs the TCP-analysis conformance check with this binary.
#
# Environment: CARGO_TARGET_DIR, LLVM_PROFDATA (a llvm-profdata to use).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
OUT="$TARGET/pgo"

say() { echo "== pgo: $*" >&2; }
die() { echo "bench/pgo.sh: $*" >&2; exit 1; }

# The llvm-profdata of rustc's LLVM: the raw profiles' format follows LLVM's
# major version.
find_profdata() {
    local major sysroot host cand
    [[ -n "${LLVM_PROFDATA:-}" ]] && { echo "$LLVM_PROFDATA"; return; }
    major="$(rustc -vV | awk '/^LLVM version/ { split($3, v, "."); print v[1] }')"
    sysroot="$(rustc --print sysroot)"
    host="$(rustc -vV | awk '/^host/ { print $2 }')"
    for cand in "$sysroot/lib/rustlib/$host/bin/llvm-profdata" "$(command -v "llvm-profdata-$major" || true)" \
        "/usr/lib/llvm-$major/bin/llvm-profdata"; do
        [[ -n "$cand" && -x "$cand" ]] && { echo "$cand"; return; }
    done
    die "no llvm-profdata for LLVM $major: rustup component add llvm-tools, or apt-get install llvm-$major"
}
PROFDATA="$(find_profdata)"

RAW="$OUT/raw"
rm -rf "$RAW"
mkdir -p "$RAW"

say "instrumented build (target/pgo-gen)"
(cd "$REPO" && RUSTFLAGS="-Cprofile-generate=$RAW" cargo build --release --quiet --target-dir "$TARGET/pgo-gen")
GEN="$TARGET/pgo-gen/release/wirelens"

say "training on samples/"
shopt -s nullglob
samples=("$REPO"/samples/*.pcap)
((${#samples[@]})) || die "no captures in samples/"
# Every report over every sample, each format of the main one, and the
# single-threaded path (`--threads 1`) as well as the pool.
runs=(
    "flows --format json" "flows" "flows --format csv" "flows --format ndjson" "flows --threads 1 --format json"
    "packets" "conv" "expert" "dns" "summary" "info"
)
for f in "${samples[@]}"; do
    for r in "${runs[@]}"; do
        # shellcheck disable=SC2086  # $r is a command and its flags
        LLVM_PROFILE_FILE="$RAW/%p-%m.profraw" "$GEN" $r "$f" >/dev/null 2>&1 ||
            die "training run failed: wirelens $r $f"
    done
done
"$PROFDATA" merge -o "$OUT/wirelens.profdata" "$RAW"/*.profraw

say "optimised build (target/pgo-use)"
(cd "$REPO" && RUSTFLAGS="-Cprofile-use=$OUT/wirelens.profdata" cargo build --release --quiet --target-dir "$TARGET/pgo-use")
cp "$TARGET/pgo-use/release/wirelens" "$OUT/wirelens"
say "wrote $OUT/wirelens"

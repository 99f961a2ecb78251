#!/usr/bin/env bash
# The README's GNU parallel sweep (What-ifs): the two command lines the
# README shows, taken from the README itself and run with the built
# binary in place of build/release/liqsim, four shards as four processes
# merged by `liqsim merge`, are the unsharded sweep byte for byte.
# Skipped (77) where parallel is not installed; tools/dev.sh installs it.
#   tests/sweep_parallel.sh CLI OUT_DIR   (run from the project root)
set -euo pipefail
cli=$1 out=$2
command -v parallel >/dev/null || { echo "parallel is not installed"; exit 77; }
readme=$PWD/README.md
run=$(grep -E "^parallel -j4 'build/release/liqsim sweep " "$readme")
merge=$(grep -E '^build/release/liqsim merge sweep-' "$readme")
[ "$(wc -l <<<"$run")" -eq 1 ] && [ "$(wc -l <<<"$merge")" -eq 1 ] ||
  { echo "README.md: expected one parallel sweep line and one merge line"; exit 1; }
mkdir -p "$out/sweep-parallel"
cd "$out/sweep-parallel"
rm -f sweep-*.ndjson sweep.ndjson
# The README's lines, with this build's binary.
PARALLEL=--will-cite bash -c "${run//build\/release\/liqsim/$cli}"
bash -c "${merge//build\/release\/liqsim/$cli}"
# The same sweep without --jobs 1 --shard {}/4, in one process.
args=$(sed -E "s/^parallel -j4 'build\/release\/liqsim (.*) --jobs 1 --shard \{\}\/4 > .*$/\1/" <<<"$run")
# shellcheck disable=SC2086
"$cli" $args > whole.ndjson
cmp sweep.ndjson whole.ndjson
[ "$(grep -c '^{"case":' whole.ndjson)" -eq 600 ]   # 10 leverages x 30 shocks x 2 policies
echo "ok: the README's 4 sweep shards under GNU parallel, merged, equal the unsharded sweep"

#!/usr/bin/env bash
# The README's GNU parallel run (Many positions at once): a batch split into
# four shards run as four processes by GNU parallel (Debian's `parallel`),
# merged by `liqsim merge`, is the unsharded run byte for byte.
# Skipped (77) where parallel is not installed; tools/dev.sh installs it.
set -euo pipefail
cli=$1 out=$2
command -v parallel >/dev/null || { echo "parallel is not installed"; exit 77; }
mkdir -p "$out"
in=$out/parallel-positions.csv
{
  echo id,collateral,side,size,entry_price,leverage,mark_path,slippage
  for i in $(seq 1 400); do
    side=long; [ $((i % 2)) -eq 0 ] && side=short
    echo "p$i,50000,$side,0.$((i % 9 + 1)),$((48000 + i * 7)),$((i % 50 + 2)),$((48000 + i * 7)) $((44000 + i * 11)) $((53000 + i * 3)),0.0$((i % 4))"
  done
} > "$in"
# shellcheck disable=SC2016
parallel --will-cite -j4 "$cli"' batch binance-usdm deribit --jobs 1 --shard {}/4 < '"$in"' > '"$out"'/parallel-shard-{}.ndjson' ::: 1 2 3 4
"$cli" merge "$out"/parallel-shard-{1,2,3,4}.ndjson > "$out/parallel-merged.ndjson"
"$cli" batch binance-usdm deribit < "$in" > "$out/parallel-whole.ndjson"
cmp "$out/parallel-merged.ndjson" "$out/parallel-whole.ndjson"
[ "$(grep -c '^{"case":' "$out/parallel-whole.ndjson")" -eq 800 ]
echo "ok: 4 shards under GNU parallel, merged, equal the unsharded batch"

#!/usr/bin/env bash
# Build and run liqsim's libFuzzer harnesses (docs/fuzzing.md).
#   fuzz/run.sh smoke             every harness for a fixed number of runs
#                                 from a fixed seed (the test command's
#                                 step: ~30 s in all); exit 1 on a finding
#   fuzz/run.sh long SECONDS [H..] each harness (or the named ones) for
#                                 SECONDS, keeping its corpus under
#                                 build/fuzz/corpus/ between runs
#   fuzz/run.sh hours HOURS       every harness, HOURS in all (an equal
#                                 share each), corpus kept as for long
#   fuzz/run.sh repro H FILE      run harness H once on FILE
# Seeds are built afresh from the shipped files on every run; inputs that
# once crashed a harness live in fuzz/regress/<harness>/ and run first.
# Findings are saved as build/fuzz/findings/<harness>-crash-*.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
out=build/fuzz
cc=${LIQSIM_FUZZ_CC:-$(command -v clang-14 || command -v clang || true)}
[ -n "$cc" ] || { echo "fuzz: no clang (install clang-14 and libclang-rt-14-dev)" >&2; exit 2; }

harnesses=(policy scenario book path decimal eval)
# Harnesses kept out of the smoke run while a defect they find is being
# fixed elsewhere (name: why). Empty when every harness runs.
declare -A held=(
)
# Runs per harness in the smoke run: each about 5 s on the shared 2-core
# machine; fixed (with -seed=1) so a run is repeatable.
declare -A runs=(
  [policy]=4000 [scenario]=80000 [book]=4000 [path]=8000 [decimal]=1000000 [eval]=8000
)

# The fuzz build's output goes to a log (clang warns about things gcc's
# -Werror build does not); shown when the build fails.
build() {
  mkdir -p "$out/logs"
  if ! { CC=$cc cmake -S . -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIQSIM_FUZZ=ON \
           -DLIQSIM_TESTS=OFF &&
         cmake --build "$out" -j2 --target $(printf 'fuzz_%s ' "${harnesses[@]}"); } \
       >"$out/logs/build.log" 2>&1; then
    cat "$out/logs/build.log" >&2
    echo "fuzz: the fuzz build failed" >&2
    exit 1
  fi
}

# seeds NAME DIR: the shipped files that harness NAME starts from.
seeds() {
  local name=$1 dir=$2
  rm -rf "$dir"
  mkdir -p "$dir"
  local files=()
  case "$name" in
    policy)
      files=(policies/*.yaml tests/data/bad_policies/*.yaml tests/data/bad_policies/bases/*.yaml
             tests/data/lint/*.yaml tests/data/golden/*.yaml tests/data/replay/policies/*.yaml
             tests/data/waterfall/policies/*.yaml) ;;
    scenario|eval)
      files=(scenarios/*.yaml tests/data/bad_scenarios/*.yaml tests/data/scenarios/*.yaml
             tests/data/waterfall/scenarios/*.yaml) ;;
    book)
      files=(scenarios/*/book.csv tests/data/replay/books/*) ;;
    path)
      files=(scenarios/*/path.csv scenarios/*/anchors.csv tests/data/replay/paths/*
             tests/data/bad_scenarios/*.csv tests/data/scenarios/*.csv) ;;
    decimal)
      # Every quoted decimal in the shipped policies and scenarios, one a file.
      grep -ohE '"-?[0-9][0-9.eE+-]*"' policies/*.yaml scenarios/*.yaml \
        tests/data/bad_policies/*.yaml | tr -d '"' | sort -u | head -300 |
        while IFS= read -r v; do printf '%s' "$v" > "$dir/$(printf '%s' "$v" | md5sum | cut -c1-12)"; done
      return ;;
  esac
  local f
  for f in "${files[@]}"; do
    [ -f "$f" ] && cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
  done
}

# The dictionary: fuzz/yaml.dict plus every key and enum value of the
# shipped JSON Schemas (one list of names: the schemas').
dict() {
  local name=$1
  case "$name" in
    book|path) echo fuzz/book.dict; return ;;
    decimal) echo ""; return ;;
  esac
  local d=$out/yaml-full.dict
  {
    cat fuzz/yaml.dict
    grep -ohE '"[a-z_0-9]+": *\{' policies/liqsim-policy.schema.json scenarios/liqsim-scenario.schema.json |
      sed -E 's/^"([a-z_0-9]+)".*/\1/' | sort -u | sed -E 's/.*/"&: "/'
    awk '/"enum": *\[/ { e = 1 }
         e { s = $0; while (match(s, /"[^"]*"/)) { v = substr(s, RSTART + 1, RLENGTH - 2);
               if (v != "enum") print "\"" v "\""; s = substr(s, RSTART + RLENGTH) } }
         e && /\]/ { e = 0 }' policies/liqsim-policy.schema.json scenarios/liqsim-scenario.schema.json |
      sort -u
  } > "$d"
  echo "$d"
}

# run NAME CORPUS ARGS...: one harness over its corpus, seeds and
# regression inputs. Prints libFuzzer's last status line.
run() {
  local name=$1 corpus=$2; shift 2
  local seeddir=$out/seeds/$name log=$out/logs/$name.log d
  seeds "$name" "$seeddir"
  mkdir -p "$corpus" "$out/findings" "$out/logs"
  d=$(dict "$name")
  local regress=()
  [ -d "fuzz/regress/$name" ] && regress=("fuzz/regress/$name")
  local status=0
  "$out/fuzz/fuzz_$name" ${d:+-dict=$d} -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
    -artifact_prefix="$out/findings/$name-" -print_final_stats=1 "$@" \
    "$corpus" "$seeddir" "${regress[@]}" >"$log" 2>&1 || status=$?
  local execs
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  if [ $status -ne 0 ]; then
    echo "fuzz: $name: FINDING (exit $status) after ${execs:-?} executions; log: $log" >&2
    grep -E 'ERROR|SUMMARY|liqsim fuzz|Test unit written' "$log" | head -8 >&2
    return 1
  fi
  echo "fuzz: $name: ${execs:-?} executions, no finding"
}

cmd=${1:-smoke}; shift || true
case "$cmd" in
  smoke)
    build
    passed=0 failed=0
    for h in "${harnesses[@]}"; do
      if [ -n "${held[$h]:-}" ]; then
        echo "fuzz: $h: held out of the smoke run: ${held[$h]}"
        continue
      fi
      rm -rf "$out/smoke/$h"
      if run "$h" "$out/smoke/$h" -seed=1 -runs="${runs[$h]}" -max_total_time=60; then
        passed=$((passed + 1))
      else
        failed=$((failed + 1))
      fi
    done
    echo "fuzz: $passed passed, $failed failed"
    [ $failed -eq 0 ] ;;
  long)
    secs=${1:?usage: fuzz/run.sh long SECONDS [HARNESS...]}; shift
    [ $# -gt 0 ] && harnesses=("$@")
    build
    fail=0
    for h in "${harnesses[@]}"; do
      run "$h" "$out/corpus/$h" -max_total_time="$secs" || fail=1
    done
    exit $fail ;;
  hours)
    h=${1:?usage: fuzz/run.sh hours HOURS}
    exec bash "$0" long "$(awk -v h="$h" -v n=${#harnesses[@]} \
      'BEGIN { s = int(h * 3600 / n); print s > 0 ? s : 1 }')" ;;
  repro)
    h=${1:?usage: fuzz/run.sh repro HARNESS FILE}; f=${2:?usage: fuzz/run.sh repro HARNESS FILE}
    build
    exec "$out/fuzz/fuzz_$h" "$f" ;;
  *) echo "usage: fuzz/run.sh smoke | long SECONDS [HARNESS...] | hours HOURS | repro HARNESS FILE" >&2; exit 2 ;;
esac

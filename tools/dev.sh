#!/usr/bin/env bash
# The README's two commands. Installs the Debian packages liqsim needs when
# they are missing, builds, then either runs the side-by-side comparison on
# the shipped default scenario (compare) or the whole test suite (test).
#   tools/dev.sh compare [ARGS...]   build (release) and run `liqsim compare ARGS`
#   tools/dev.sh test                build with ASan+UBSan, -Werror, run ctest,
#                                    then each fuzzer for a fixed number of runs
#   tools/dev.sh fuzz [HOURS]        run the fuzzers for HOURS in all (default 1)
#   tools/dev.sh bench               build (release) and run the benchmarks
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

need=(build-essential cmake pkg-config libyaml-dev liblua5.4-dev libjansson-dev libcsv-dev
      libcmocka-dev clang-14 libclang-rt-14-dev
      python3 python3-pandas
      python3-jsonschema python3-yaml   # python/tests/test_schema.py
      parallel   # GNU parallel: tests/batch_parallel.sh runs the README's sharded batch
      locales)   # locales: localedef builds the comma locale tests/test_hook.c runs under
# The HTML report's browser test (tests/html/check_page.py) needs chromium:
# only the tests install it.
[ "${1:-compare}" = test ] && need+=(chromium)
install_missing() {
  local missing=()
  for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "liqsim: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

jobs=$(nproc 2>/dev/null || echo 2)
cmd=${1:-compare}; shift || true
install_missing
case "$cmd" in
  compare|run)
    cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLIQSIM_TESTS=OFF >/dev/null
    cmake --build build/release -j"$jobs" >/dev/null
    exec build/release/liqsim compare "$@"
    ;;
  test)
    cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Debug -DLIQSIM_SANITIZE=ON -DLIQSIM_WERROR=ON
    cmake --build build/test -j"$jobs"
    (cd build/test && ctest --output-on-failure -j"$jobs")
    exec bash fuzz/run.sh smoke
    ;;
  fuzz)
    exec bash fuzz/run.sh hours "${1:-1}"
    ;;
  bench)
    cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DLIQSIM_TESTS=OFF >/dev/null
    cmake --build build/release -j"$jobs" >/dev/null
    exec build/release/liqsim bench "$@"
    ;;
  *) echo "usage: tools/dev.sh compare|test|bench|fuzz [HOURS]" >&2; exit 2 ;;
esac

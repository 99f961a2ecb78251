#!/usr/bin/env bash
# A C user can rely on the installed package. Builds liqsim as a
# distribution would (prefix /usr, so GNUInstallDirs picks Debian's
# multiarch libdir lib/x86_64-linux-gnu), installs it to a temporary prefix
# (cmake --install --prefix: the package must be relocatable), then builds
# tests/install/consumer.c against it four ways and checks that each program
# prints exactly what the installed `liqsim eval --format json` prints:
#   pkg-config --cflags --libs liqsim            (links libliqsim.so.0)
#   pkg-config --static --cflags --libs liqsim   (cc -static: no shared library at all)
#   find_package(liqsim), liqsim::liqsim         (links libliqsim.so.0)
#   find_package(liqsim), liqsim::liqsim_static  (links libliqsim.a)
#   tests/install.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/liqsim-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "FAIL: $*"; exit 1; }

cmake -S "$src" -B "$work/build" -DCMAKE_INSTALL_PREFIX=/usr -DLIQSIM_TESTS=OFF >/dev/null
cmake --build "$work/build" -j2 >/dev/null
cmake --install "$work/build" --prefix "$prefix" >/dev/null

multiarch=$(gcc -print-multiarch 2>/dev/null || true)
libdir=$prefix/lib${multiarch:+/$multiarch}
for f in "$libdir/libliqsim.so.0.1.0" "$libdir/libliqsim.a" "$libdir/pkgconfig/liqsim.pc" \
         "$libdir/cmake/liqsim/liqsimConfig.cmake" "$prefix/include/liqsim.h" \
         "$prefix/share/man/man1/liqsim.1" "$prefix/share/bash-completion/completions/liqsim"; do
  [ -f "$f" ] || fail "not installed: ${f#"$prefix"/}"
done
[ "$(readlink "$libdir/libliqsim.so")" = libliqsim.so.0 ] || fail "libliqsim.so does not link to the soname"
echo "ok: installed under ${libdir#"$prefix"/}"

export PKG_CONFIG_PATH=$libdir/pkgconfig
pc_libdir=$(pkg-config --variable=libdir liqsim)
[ "$(realpath -m "$pc_libdir")" = "$libdir" ] || fail "liqsim.pc resolves libdir to $pc_libdir, not $libdir"
pc_incdir=$(pkg-config --variable=includedir liqsim)
[ "$(realpath -m "$pc_incdir")" = "$prefix/include" ] || fail "liqsim.pc resolves includedir to $pc_incdir"
echo "ok: liqsim.pc resolves libdir and includedir inside the prefix"

# What each program must print: the installed CLI's answer.
policies=("$prefix/share/liqsim/policies/binance-usdm.yaml"
          "$prefix/share/liqsim/policies/deribit.yaml")  # the second runs Lua hooks
scenario=$prefix/share/liqsim/scenarios/default.yaml
for i in "${!policies[@]}"; do
  "$prefix/bin/liqsim" eval "${policies[$i]}" "$scenario" --format json >"$work/expected.$i.json"
  grep -q '"liquidation_price"' "$work/expected.$i.json" || fail "the CLI printed no result"
done

check() {  # check NAME EXE: runs EXE on every policy and compares with the CLI
  local name=$1 exe=$2
  for i in "${!policies[@]}"; do
    "$exe" "${policies[$i]}" "$scenario" >"$work/got.json" || fail "$name: exit $?"
    cmp -s "$work/got.json" "$work/expected.$i.json" ||
      { diff "$work/expected.$i.json" "$work/got.json" | head; fail "$name: output differs"; }
  done
  echo "ok: $name"
}
needs_so() { readelf -d "$1" | grep -q 'NEEDED.*\[libliqsim\.so\.0\]'; }

# shellcheck disable=SC2046  # pkg-config prints several words on purpose
cc -o "$work/pc-shared" "$src/tests/install/consumer.c" $(pkg-config --cflags --libs liqsim) \
   -Wl,-rpath,"$pc_libdir"
needs_so "$work/pc-shared" || fail "pkg-config shared: the program does not use libliqsim.so.0"
check "pkg-config --cflags --libs liqsim (libliqsim.so.0)" "$work/pc-shared"

# -static: every library pkg-config names must be complete (Requires.private).
# glibc's static dlopen (Lua's package.loadlib) draws a linker warning; hooks never load C code.
# shellcheck disable=SC2046
cc -static -o "$work/pc-static" "$src/tests/install/consumer.c" \
   $(pkg-config --static --cflags --libs liqsim) 2>"$work/ld.txt" ||
  { cat "$work/ld.txt"; fail "pkg-config --static: link failed"; }
readelf -d "$work/pc-static" 2>/dev/null | grep -q NEEDED && fail "pkg-config --static: not static"
check "pkg-config --static --cflags --libs liqsim (cc -static)" "$work/pc-static"

for target in liqsim::liqsim liqsim::liqsim_static; do
  b=$work/cmake-${target#liqsim::}
  cmake -S "$src/tests/install" -B "$b" -DCMAKE_PREFIX_PATH="$prefix" -DLIQSIM_TARGET="$target" \
        >"$work/cmake.txt" 2>&1 || { cat "$work/cmake.txt"; fail "find_package(liqsim) failed"; }
  cmake --build "$b" >"$work/cmake.txt" 2>&1 || { cat "$work/cmake.txt"; fail "$target: build failed"; }
  if [ "$target" = liqsim::liqsim ]; then
    needs_so "$b/consumer" || fail "$target: the program does not use libliqsim.so.0"
  else
    needs_so "$b/consumer" && fail "$target: the program uses libliqsim.so.0"
  fi
  check "find_package(liqsim) with $target" "$b/consumer"
done

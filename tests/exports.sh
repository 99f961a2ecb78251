#!/usr/bin/env bash
# The shared library's outside: libliqsim.so exports exactly the functions
# include/liqsim.h declares LIQ_API. No internal name leaks (heap_push,
# path_new, wf_*, and the internal liq_hookrt_*, liq_policy_schema), and no
# public function is missing; the library carries its soname.
#   tests/exports.sh LIBLIQSIM_SO INCLUDE/LIQSIM.H
set -euo pipefail
so=$1 header=$2

# A function declared in the header without LIQ_API would build, and be
# missing from the .so: every declaration must carry it.
unmarked=$(grep -nE '^[a-z][a-z_0-9 *]*\bliq_[a-z0-9_]+\(' "$header" | grep -vE '^[0-9]+:typedef' || true)
if [ -n "$unmarked" ]; then
  echo "declared in $(basename "$header") without LIQ_API (so not exported):"
  echo "$unmarked"
  exit 1
fi

declared=$(grep -oE '^LIQ_API [^(]*\bliq_[a-z0-9_]+\(' "$header" |
           grep -oE 'liq_[a-z0-9_]+\($' | tr -d '(' | sort)
exported=$(nm -D --defined-only "$so" | awk '{print $NF}' | sort)

if [ "$declared" != "$exported" ]; then
  echo "exports differ from the LIQ_API declarations (< declared only, > exported only):"
  diff <(echo "$declared") <(echo "$exported") || true
  exit 1
fi
echo "ok: $(echo "$exported" | wc -l) symbols, all declared LIQ_API in $(basename "$header")"

soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [ "$soname" != "libliqsim.so.0" ]; then
  echo "soname is '$soname', expected libliqsim.so.0"
  exit 1
fi
echo "ok: soname $soname"

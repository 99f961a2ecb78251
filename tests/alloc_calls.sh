#!/usr/bin/env bash
# Every engine allocation goes through engine/mem.c (mem_malloc, ...), so
# that tests/test_alloc.c can fail each one: no engine file but mem.c
# calls the C library's allocator, or a function that allocates behind
# its back (strndup, asprintf, getline, open_memstream).
#   tests/alloc_calls.sh ENGINE_DIR
set -euo pipefail
dir=$1
found=$(grep -nE '(^|[^_a-zA-Z0-9.>])(malloc|calloc|realloc|strdup|strndup|v?asprintf|getline|getdelim|open_memstream)\(' \
          "$dir"/*.c | grep -v "^$dir/mem.c:" | grep -vE ':[0-9]+:\s*(/?\*|//)' || true)
if [ -n "$found" ]; then
  echo "allocations that bypass engine/mem.c (use mem_malloc, mem_calloc, mem_realloc, mem_strdup):"
  echo "$found"
  exit 1
fi
echo "ok: every allocation in $(ls "$dir"/*.c | wc -l) engine files goes through mem.c"

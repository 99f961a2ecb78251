#!/usr/bin/env bash
# The README's layout block names every source file of engine/ and tools/
# and every document of docs/: a file added or removed without the README
# fails here (issue 13: the layout drifted from the tree).
set -euo pipefail
root=${1:-.}
block=$(awk '/^## Layout/{on=1} on&&/^```$/{n++; if(n==2) exit} on' "$root/README.md")
missing=0
for f in "$root"/engine/*.c "$root"/docs/*.md; do
  name=$(basename "$f")
  grep -q -- "$name" <<<"$block" || { echo "README.md layout does not list $name"; missing=1; }
done
for f in "$root"/tools/*.c; do
  name=$(basename "$f" .c)
  case $name in cmd_*) verb=${name#cmd_}; grep -qw -- "$verb" <<<"$block" || { echo "README.md layout does not list the verb $verb"; missing=1; } ;;
    *) grep -q -- "$name.c" <<<"$block" || { echo "README.md layout does not list $name.c"; missing=1; } ;;
  esac
done
exit $missing

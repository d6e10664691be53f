#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every source file says its licence (GPL-3.0-or-later, COPYING) in an
# SPDX-License-Identifier line within its first three lines, so that a
# file copied out of the tree still carries it. Names each file that
# does not. Data (zone files, fixtures, fuzz seeds) is not source.
top=${top_srcdir:-.}
cd "$top" || exit 99

# list_sources: the source files, tracked ones when this is a git
# checkout, else those on disk (an unpacked release tarball).
list_sources() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -- src tests fuzz bench tools completion Makefile.am \
      configure.ac
  else
    find src tests fuzz bench tools completion -type f 2>/dev/null
    ls Makefile.am configure.ac
  fi
}

missing=0
checked=0
for f in $(list_sources | LC_ALL=C sort); do
  case $f in
  tests/hostile/* | fuzz/seeds/*) continue ;;
  *.c | *.h | *.sh | *.py | *.map | *.bash | *.bash.in | Makefile.am | \
    configure.ac) ;;
  *)
    # Scripts without an extension (tools/check, bench/*/run).
    head -c 2 "$f" | grep -q '^#!' || continue
    ;;
  esac
  checked=$((checked + 1))
  if ! head -n 3 "$f" |
    grep -q 'SPDX-License-Identifier: GPL-3\.0-or-later'; then
    echo "$f: no SPDX-License-Identifier: GPL-3.0-or-later line in its first three lines"
    missing=$((missing + 1))
  fi
done
if [ "$missing" -gt 0 ]; then
  echo "FAIL: $missing of $checked source files carry no licence line"
  exit 1
fi
echo "all $checked source files carry SPDX-License-Identifier: GPL-3.0-or-later"
exit 0

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every C source file is formatted as .clang-format says (the house
# style: tabs 8 wide, 80 columns, Linux braces), so that a change never
# mixes its content with reformatting. Names each file clang-format
# would change; `clang-format -i FILE` fixes it.
top=${top_srcdir:-.}
cd "$top" || exit 99
[ -f .clang-format ] || exit 99
clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "clang-format is not installed (Debian package clang-format)"
  exit 1
fi
bad=0
checked=0
for f in $(find src tests fuzz bench -name '*.[ch]' | LC_ALL=C sort); do
  checked=$((checked + 1))
  if ! "$clang_format" --style=file "$f" | cmp -s - "$f"; then
    echo "$f: not formatted (clang-format -i $f)"
    bad=1
  fi
done
[ "$bad" -eq 0 ] && echo "$checked files formatted as .clang-format says"
exit "$bad"

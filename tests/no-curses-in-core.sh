#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# STYLE.md 1: the engine (src/core/) never includes curses.h.
top=${top_srcdir:-.}
if grep -rnE '#[[:space:]]*include[[:space:]]*[<"](n?curses|ncursesw/n?curses)\.h' \
    "$top/src/core"; then
  echo "FAIL: src/core/ includes curses: the engine must stay curses-free"
  exit 1
fi
echo "src/core/ is curses-free"
exit 0

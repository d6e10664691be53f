#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every source file that marks a message for translation (_(), N_(),
# P_()) is listed in po/POTFILES.in, so that xgettext extracts its
# messages and the German catalogue can translate them; and every file
# listed there exists. Names each file that breaks the rule.
top=${top_srcdir:-.}
cd "$top" || exit 99
[ -f po/POTFILES.in ] || exit 99

listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d')
bad=0
checked=0
for f in $(find src -name '*.[ch]' | LC_ALL=C sort); do
  checked=$((checked + 1))
  # A call of a gettext marker outside a one-line comment; i18n.h
  # only defines them.
  sed 's:/\*.*\*/::g' "$f" |
    grep -Eq '(^|[^A-Za-z0-9_])(_|N_|P_)\(' || continue
  [ "$f" = src/core/util/i18n.h ] && continue
  if ! printf '%s\n' "$listed" | grep -qxF "$f"; then
    echo "$f: uses _() but is not in po/POTFILES.in"
    bad=1
  fi
done
for f in $listed; do
  if [ ! -f "$f" ]; then
    echo "po/POTFILES.in: $f does not exist"
    bad=1
  fi
done
[ "$checked" -gt 0 ] || { echo "no sources found under $top/src"; exit 99; }
exit $bad

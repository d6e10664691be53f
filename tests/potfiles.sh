#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every source file that marks a message for translation (_(), N_(),
# P_()) is listed in po/POTFILES.in, so that xgettext extracts its
# messages and the German catalogue can translate them; and every file
# listed there exists. Names each file that breaks the rule. Then every
# message xgettext extracts from them has a German translation in
# po/de.po (neither missing nor fuzzy): each one without is named.
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

# The German catalogue against what the sources mark today, with the
# options of po/Makevars (msgmerge without fuzzy matching, as there).
if ! command -v xgettext >/dev/null || ! command -v msgmerge >/dev/null ||
	! command -v msgattrib >/dev/null; then
	echo "FAIL: xgettext, msgmerge and msgattrib (gettext) are needed"
	exit 1
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
opts=$(sed -n '/^XGETTEXT_OPTIONS/,/[^\\]$/p' po/Makevars |
	sed 's/^XGETTEXT_OPTIONS *= *//; s/\\$//')
# shellcheck disable=SC2086
if ! xgettext $opts -f po/POTFILES.in -o "$tmp/all.pot" ||
	! msgmerge -q --no-fuzzy-matching po/de.po "$tmp/all.pot" \
		-o "$tmp/de.po"; then
	echo "FAIL: xgettext or msgmerge failed"
	exit 1
fi
for kind in untranslated only-fuzzy; do
	# Each msgid, its continuation lines joined; not the header's "".
	msgattrib --"$kind" --no-obsolete --no-wrap "$tmp/de.po" | awk '
		/^msgid "/ { id = substr($0, 8, length($0) - 8); on = 1; next }
		on && /^"/ { id = id substr($0, 2, length($0) - 2); next }
		on { if (id != "") print id; on = 0 }'
done >"$tmp/missing"
if [ -s "$tmp/missing" ]; then
	sed 's/^/po\/de.po: no German for: /' "$tmp/missing"
	bad=1
fi
exit $bad

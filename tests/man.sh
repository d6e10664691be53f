#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The manual page: clean under mandoc -Tlint, every directory substituted
# at build time, and every command --help lists documented in its
# COMMANDS section, so that the manual and the program agree.
bin=${DMARCPILOT_BIN:?DMARCPILOT_BIN is not set}
man=${top_builddir:-.}/man/dmarcpilot.1
failed=0

if [ ! -f "$man" ]; then
  echo "FAIL: $man was not built"
  exit 1
fi
if grep -n '@[A-Za-z_]*@' "$man"; then
  echo "FAIL: $man: a @NAME@ was left unsubstituted"
  failed=1
fi

# The commands of --help (their words, before the first argument).
commands=$(LC_ALL=C LANGUAGE= "$bin" --help |
  sed -n '/^Commands:/,/^$/p' | grep '^  [a-z]' |
  sed 's/^  //; s/   *.*//' |
  awk '{ w = $1
         for (i = 2; i <= NF && $i ~ /^[a-z]+$/; i++) w = w " " $i
         print w }')
[ -n "$commands" ] || {
  echo "FAIL: no commands found in --help"
  exit 1
}
section=$(sed -n '/^\.\\" BEGIN COMMANDS/,/^\.\\" END COMMANDS/p' "$man")
echo "$commands" | while read -r words; do
  # A command's entry: .B or .BI followed by its words in quotes or alone.
  if ! printf '%s\n' "$section" |
    grep -qE "^\.BI? \"?$words( |\"|\$)"; then
    echo "FAIL: the manual's COMMANDS section lacks: $words"
    echo missing >"${TMPDIR:-/tmp}/dp-man.$$"
  fi
done
if [ -f "${TMPDIR:-/tmp}/dp-man.$$" ]; then
  rm -f "${TMPDIR:-/tmp}/dp-man.$$"
  failed=1
fi

if command -v mandoc >/dev/null 2>&1; then
  out=$(mandoc -Tlint "$man" 2>&1)
  if [ -n "$out" ]; then
    echo "$out"
    echo "FAIL: mandoc -Tlint finds problems in $man"
    failed=1
  fi
else
  [ "$failed" -eq 0 ] || exit 1
  echo "SKIP: mandoc is not installed (apt-get install mandoc), so the manual was not linted"
  exit 77
fi
[ "$failed" -eq 0 ] || exit 1
echo "the manual is lint-clean and documents every command"
exit 0

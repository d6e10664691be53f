#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The manual page: clean under mandoc -Tlint, every directory substituted
# at build time, every command --help lists documented in its COMMANDS
# section and every option of a command described in its entry, so
# that the manual and the program agree.
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

# Every option a command takes is described in the prose of its entry
# in the manual's source (the synopsis alone is generated).
source=${top_srcdir:-.}/man/dmarcpilot.1.in
LC_ALL=C LANGUAGE= "$bin" --help=man | awk -v source="$source" '
  function marker(line) {
    return substr(line, 1, 14) == ".\\\" @synopsis " ? substr(line, 15) : ""
  }
  FNR == NR {
    if (marker($0) != "") command = marker($0)
    else if ($0 ~ /^\.RB \[ \\-\\-/) {
      name = $3
      sub(/ .*/, "", name)
      want[command] = want[command] " " name
    }
    next
  }
  {
    if (marker($0) != "") command = marker($0)
    else if ($0 ~ /^\.(SS|SH)/) command = ""
    else text[command] = text[command] $0 "\n"
  }
  END {
    for (c in want) {
      n = split(want[c], names, " ")
      for (i = 1; i <= n; i++)
        if (index(text[c], names[i]) == 0) {
          printf "FAIL: %s: the entry of \"%s\" does not describe %s\n",
            source, c, names[i]
          bad = 1
        }
    }
    exit bad
  }' - "$source" || failed=1

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
# The EXAMPLES that turn the JSON export into octoDNS and DNSControl
# input run as printed, on a real export.
if command -v jq >/dev/null 2>&1; then
  dir=$(mktemp -d) || exit 2
  trap 'rm -rf "$dir"' EXIT
  cat >"$dir/example.com.zone" <<'ZONE'
$ORIGIN example.com.
@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 3600
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
@ 300 IN TXT "google-site-verification=abc"
@ 300 IN TXT "v=spf1 ip4:192.0.2.0/24 ~all"
ZONE
  run() {
    "$bin" --db "$dir/db" --zone "$dir/example.com.zone" --now 2026-01-05 "$@"
  }
  run domain add example.com >/dev/null &&
    run sender add example.com ip4:192.0.2.0/24 >/dev/null &&
    run export example.com --format json >"$dir/export.json" || {
    echo "FAIL: could not make an export to run the examples on"
    exit 1
  }
  mandoc -Tascii "$man" | col -b |
    awk '/dmarcpilot export example.com --format json \| jq/ { f = 1 }
         f { sub(/^[ \t]+/, ""); print }
         f && /'"'"'$/ { f = 0; print "#--" }' |
    sed 's|^dmarcpilot export example.com --format json|cat "$1"|' |
    awk -v dir="$dir" -v n=0 '/^#--$/ { n++; next } { print >(dir "/example" n ".sh") }'
  octodns=$(sh "$dir/example0.sh" "$dir/export.json" 2>&1)
  dnscontrol=$(sh "$dir/example1.sh" "$dir/export.json" 2>&1)
  if ! printf '%s' "$octodns" |
      jq -e '.""[0] == {type: "TXT", ttl: 300,
                        values: ["v=spf1 ip4:192.0.2.0/24 ~all"]}' \
      >/dev/null 2>&1; then
    echo "FAIL: the manual's octoDNS example gives: $octodns"
    failed=1
  fi
  case $dnscontrol in
    'TXT("@", ["v=spf1 ip4:192.0.2.0/24 ~all"], TTL(300)),') ;;
    *) echo "FAIL: the manual's DNSControl example gives: $dnscontrol"
       failed=1 ;;
  esac
else
  echo "jq is not installed (apt-get install jq): the export examples were not run"
fi
[ "$failed" -eq 0 ] || exit 1
echo "the manual is lint-clean and documents every command"
exit 0

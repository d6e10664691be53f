#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The bash completion, loaded into a real bash: what it offers after a
# few prefixes an operator types (commands, subcommands, options and
# their values, provider IDs from the catalogue, domains from the
# database), and that completing never creates a database.
bin=${DMARCPILOT_BIN:?DMARCPILOT_BIN is not set}
completion=$(cd "${top_builddir:-.}" && pwd)/completion/dmarcpilot
bash=${BASH_PROG:-}
if [ -z "$bash" ] || [ ! -x "$bash" ]; then
  echo "SKIP: bash is not installed (apt-get install bash)"
  exit 77
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
export XDG_DATA_HOME="$tmp/data"
# The catalogue of the source tree, as the build's tests use it.
export DMARCPILOT_DATADIR="${DMARCPILOT_DATADIR:-${top_srcdir:-.}/data}"
export PATH="$(dirname "$bin"):$PATH"
unset LANGUAGE
export LC_ALL=C

# Completing without a database offers no domain and creates none.
cat >"$tmp/run.bash" <<'SCRIPT'
set -u
source "$1"
# offers WORD...: the words offered for the command line WORD... (the
# last one being completed), sorted, on one line.
offers() {
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _dmarcpilot
  printf '%s\n' "${COMPREPLY[@]}" | sed 's/ $//' | LC_ALL=C sort |
    tr '\n' ' ' | sed 's/ *$//'
  echo
}
offers dmarcpilot sender add example.com ''
offers dmarcpilot plan ''
SCRIPT
out=$("$bash" "$tmp/run.bash" "$completion" 2>&1)
if [ -e "$XDG_DATA_HOME" ]; then
  echo "FAIL: completing created $XDG_DATA_HOME"
  exit 1
fi

"$bin" domain add example.com >/dev/null &&
  "$bin" domain add example.org >/dev/null &&
  "$bin" sender add example.com google-workspace >/dev/null || exit 99
# Files for the FILE operands, completed from this folder.
mkdir -p "$tmp/files/maildir" && : >"$tmp/files/message.eml" || exit 99

cat >>"$tmp/run.bash" <<'SCRIPT'
offers dmarcpilot ''
offers dmarcpilot sp
offers dmarcpilot spf ''
offers dmarcpilot dkim keygen example.com s1 --
offers dmarcpilot dkim keygen --algorithm ''
offers dmarcpilot export example.com --format ''
offers dmarcpilot plan exa
offers dmarcpilot --json plan example.o
offers dmarcpilot sender add example.com goo
offers dmarcpilot sender add example.com ip
offers dmarcpilot spf build --provider micro
offers dmarcpilot domain set example.com min-days
offers dmarcpilot sender list example.com ''
offers dmarcpilot --db "$XDG_DATA_HOME/none.db" plan ''
offers dmarcpilot --t
offers dmarcpilot check example.com --format ''
offers dmarcpilot check --file mess
offers dmarcpilot spf build --
offers dmarcpilot report fetch --f
offers dmarcpilot sender disown example.com 192.0.2.1 --u
offers dmarcpilot sender remove example.com ''
offers dmarcpilot mail check --ip 192.0.2.1 m
offers dmarcpilot config check ''
offers dmarcpilot step example.com --servers ''
offers dmarcpilot db migrate --
offers dmarcpilot db migrate --to ''
SCRIPT
(cd "$tmp/files" && "$bash" "$tmp/run.bash" "$completion") >"$tmp/got" 2>&1
cat >"$tmp/want" <<'WANT'
example.com example.org
check config db dkim dmarc domain example.com example.org export mail monitor plan publish report sender spf step
spf
build check eval
--algorithm --bits --db --demo --force --help --json --now --out --resolver --timeout --version --zone
ed25519 rsa
bind json nsupdate
example.com example.org
example.org
google-workspace
ip4: ip6:
microsoft-365
min-days-monitor= min-days-rung=


--timeout
csv json text
message.eml
--a --all --db --demo --flatten --help --ip4 --ip6 --json --mx --now --provider --resolver --timeout --version --zone
--folder
--undo
google-workspace
maildir message.eml
maildir message.eml

--db --demo --from --help --json --now --resolver --timeout --to --version --zone
postgresql://
WANT
# The provider list depends on the catalogue: check a few of its IDs.
failed=0
first=$(printf '%s\n' "$out" | sed -n 1p)
for id in google-workspace microsoft-365 sendgrid ip4: ip6: a:; do
  case " $first " in
  *" $id "*) ;;
  *) echo "FAIL: sender add offers no $id: $first"; failed=1 ;;
  esac
done
second=$(printf '%s\n' "$out" | sed -n 2p)
[ -z "$(echo $second)" ] || {
  echo "FAIL: without a database, plan offers domains: $second"
  failed=1
}
# Then "plan ''" with domains, the other prefixes; "sender list DOMAIN",
# a --db that does not exist and "step --servers" offer nothing.
sed -n '2,$p' "$tmp/got" >"$tmp/got.rest"
if ! diff -u "$tmp/want" "$tmp/got.rest"; then
  echo "FAIL: the completion offers other words than expected"
  failed=1
fi
[ "$failed" -eq 0 ] || exit 1
echo "bash completion offers commands, options, providers and domains"
exit 0

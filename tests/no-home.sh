#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# With neither HOME nor XDG_DATA_HOME set (a cron job, a service with a
# scrubbed environment), the database and the DKIM keys have no place:
# dmarcpilot refuses, says what to give instead, and writes nothing into
# the directory it happens to run in.
bin=${DMARCPILOT_BIN:?DMARCPILOT_BIN is not set}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/cwd"
failed=0

# fail MESSAGE: records a failed expectation.
fail() {
  echo "FAIL: $*"
  failed=1
}

# run ARGS...: runs the program in the scratch directory without HOME or
# the XDG variables (extra NAME=value pairs may precede the arguments
# through "env" in the caller); sets $status, $out and $err.
run() {
  (cd "$tmp/cwd" &&
    env -u HOME -u XDG_DATA_HOME -u XDG_CONFIG_HOME "$@" \
      >"$tmp/out" 2>"$tmp/err")
  status=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
}

# expect_refused WHAT MUST-NAME...: exit 2, one message naming each word,
# and nothing left in the directory.
expect_refused() {
  what=$1
  shift
  [ "$status" -eq 2 ] || fail "$what: exit status $status, not 2"
  for word in "$@"; do
    case $err in
    *"$word"*) ;;
    *) fail "$what: the message does not name $word: $err" ;;
    esac
  done
  left=$(ls -A "$tmp/cwd")
  [ -z "$left" ] || fail "$what: wrote into the current directory: $left"
  rm -rf "$tmp/cwd" && mkdir "$tmp/cwd"
}

run "$bin" domain add example.com
expect_refused "domain add" --db XDG_DATA_HOME

run "$bin" domain list
expect_refused "domain list" --db XDG_DATA_HOME

# The specification says a relative XDG_DATA_HOME is to be ignored.
run XDG_DATA_HOME=data "$bin" domain add example.com
expect_refused "relative XDG_DATA_HOME" --db XDG_DATA_HOME

run HOME=. "$bin" domain add example.com
expect_refused "relative HOME" --db XDG_DATA_HOME

run "$bin" dkim keygen example.com s1
expect_refused "dkim keygen" --out XDG_DATA_HOME

# What the messages advise works.
run "$bin" --db "$tmp/given.db" domain add example.com
[ "$status" -eq 0 ] || fail "--db: exit status $status: $err"
[ -f "$tmp/given.db" ] || fail "--db: no database at $tmp/given.db"

run XDG_DATA_HOME="$tmp/data" "$bin" domain add example.com
[ "$status" -eq 0 ] || fail "XDG_DATA_HOME: exit status $status: $err"
[ -f "$tmp/data/dmarcpilot/dmarcpilot.db" ] ||
  fail "XDG_DATA_HOME: no database under $tmp/data/dmarcpilot"

run XDG_DATA_HOME="$tmp/data" "$bin" dkim keygen example.com s1 \
  --algorithm ed25519
[ "$status" -eq 0 ] || fail "keygen with XDG_DATA_HOME: status $status: $err"
[ -f "$tmp/data/dmarcpilot/keys/example.com/s1.private" ] ||
  fail "keygen with XDG_DATA_HOME: no key under $tmp/data"

[ "$failed" -eq 0 ] || exit 1
echo "without HOME and XDG_DATA_HOME: refused, nothing written"
exit 0

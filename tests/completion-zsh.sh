#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The bash completion in a real interactive zsh, loaded through zsh's
# bashcompinit as the README says, with Tab typed in tmux: options,
# provider IDs and domains complete, and nothing prints an error.
bin=${DMARCPILOT_BIN:?DMARCPILOT_BIN is not set}
completion=$(cd "${top_builddir:-.}" && pwd)/completion/dmarcpilot
zsh=${ZSH:-}
tmux=${TMUX_BIN:-}
if [ -z "$zsh" ] || [ ! -x "$zsh" ] || [ -z "$tmux" ] || [ ! -x "$tmux" ]; then
  echo "SKIP: zsh or tmux is not installed (apt-get install zsh tmux)"
  exit 77
fi
tmp=$(mktemp -d) || exit 99
socket="$tmp/tmux"
trap '"$tmux" -S "$socket" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
export XDG_DATA_HOME="$tmp/data"
export DMARCPILOT_DATADIR="${DMARCPILOT_DATADIR:-${top_srcdir:-.}/data}"
unset LANGUAGE
export LC_ALL=C
# The program runs inside zsh's completion on a terminal's foreground
# process group; there LeakSanitizer's exit-time check (it stops the
# process with ptrace) can hang for good under load. The completion is
# under test here; the program's leaks are checked by every other test.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$bin" domain add example.com >/dev/null || exit 99

mkdir "$tmp/zdot"
cat >"$tmp/zdot/.zshrc" <<ZSHRC
autoload -U compinit && compinit -u
autoload -U bashcompinit && bashcompinit
source '$completion'
path=('$(dirname "$bin")' \$path)
PS1='%% '
ZSHRC

"$tmux" -S "$socket" -f /dev/null new-session -d -x 100 -y 20 \
  "ZDOTDIR='$tmp/zdot' '$zsh' -i" || exit 99

# screen: what the terminal shows now.
screen() {
  "$tmux" -S "$socket" capture-pane -p -t 0
}

# wait_for TEXT: waits until the terminal shows TEXT (up to 20 s).
wait_for() {
  i=0
  while [ $i -lt 200 ]; do
    screen | grep -qF -- "$1" && return 0
    i=$((i + 1))
    sleep 0.1
  done
  echo "FAIL: waited 20 s for \"$1\"; the terminal shows:"
  screen
  exit 1
}

wait_for '%'
# type KEYS...: sends keys as tmux names them.
type() {
  "$tmux" -S "$socket" send-keys -t 0 "$@"
}
type 'dmarcpilot spf build --pro' Tab
wait_for 'dmarcpilot spf build --provider'
type 'goo' Tab
wait_for '--provider google-workspace'
type C-u 'dmarcpilot plan exa' Tab
wait_for 'dmarcpilot plan example.com'
type C-u 'dmarcpilot dkim keygen --algorithm ' Tab
wait_for 'ed25519'
if screen | grep -E 'bad option|command not found|not found:'; then
  echo "FAIL: completing printed an error"
  exit 1
fi
echo "zsh completes options, provider IDs and domains"
exit 0

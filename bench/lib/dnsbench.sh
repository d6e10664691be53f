# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the DNS benchmarks: nsd on 127.0.0.1 serving the zones
# given, and bench/delayproxy in front of it holding each query DELAY_MS.
# The caller sets top (the source tree), bin (the dmarcpilot binary),
# delay and work (an empty directory it removes), and calls
# dnsbench_cleanup on exit.

pids=""

# Kills what dnsbench_start started and removes the work directory.
dnsbench_cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

# dnsbench_start NAME:ZONEFILE...: starts nsd with those zones (copied
# into $work) and the proxy; sets nsd_port and proxy_port.
dnsbench_start() {
  nsd=$(command -v nsd || echo /usr/sbin/nsd)
  [ -x "$nsd" ] || { echo "run: nsd is not installed" >&2; exit 2; }
  cc -O2 -o "$work/delayproxy" "$top/bench/delayproxy.c"
  # The proxy holds one socket per query in flight: thousands at times.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  nsd_port=$((20000 + $$ % 20000))
  proxy_port=$((nsd_port + 1))
  cat >"$work/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$nsd_port
  do-ip6: no
  zonesdir: "$work"
  pidfile: "$work/nsd.pid"
  database: ""
  xfrdfile: "$work/xfrd.state"
  zonelistfile: "$work/zone.list"
  logfile: "$work/nsd.log"
  username: ""
  server-count: 1
  verbosity: 0
  # No response rate limit: the benchmark measures the program.
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
CONF
  for z in "$@"; do
    f=${z#*:}
    [ -f "$work/$(basename "$f")" ] || cp "$f" "$work/"
    printf 'zone:\n  name: "%s"\n  zonefile: "%s"\n' "${z%%:*}" \
      "$(basename "$f")" >>"$work/nsd.conf"
  done
  "$nsd" -d -c "$work/nsd.conf" &
  pids="$pids $!"
  "$work/delayproxy" "$proxy_port" "$nsd_port" "$delay" \
    2>"$work/proxy.log" &
  pids="$pids $!"
  # nsd accepts TCP before it has read its zones: ask until it answers.
  i=0
  until "$bin" --resolver "127.0.0.1:$nsd_port" --timeout 1 dmarc check \
      "${1%%:*}" >/dev/null 2>&1 || [ $? -eq 1 ]; do
    i=$((i + 1))
    [ $i -lt 60 ] || { echo "run: nsd did not start" >&2;
      cat "$work/nsd.log" >&2; exit 2; }
    sleep 0.5
  done
}

# dnsbench_median RUNS COMMAND...: the median wall time in ms of RUNS
# runs; the last run's output is in $work/out.txt and $work/err.txt.
dnsbench_median() {
  n=$1
  shift
  times=""
  k=0
  while [ $k -lt "$n" ]; do
    start=$(date +%s%N)
    "$@" >"$work/out.txt" 2>"$work/err.txt" || true
    end=$(date +%s%N)
    times="$times $(( (end - start) / 1000000 ))"
    k=$((k + 1))
  done
  echo $times | tr ' ' '\n' | sort -n | sed -n "$(( (n + 1) / 2 ))p"
}

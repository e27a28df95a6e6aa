#!/usr/bin/env bash
# Samples the resident memory (VmRSS, KiB) of the Cascade edge and origin that compare.sh runs,
# with the 1-minute load average, every INTERVAL seconds for at most LIMIT seconds; run it beside
# a long compare.sh window (docs/BENCHMARKS.md, "Ten minutes of LL-HLS viewers on one edge").
#
#   origin/bench/rss-sample.sh OUT [INTERVAL=20] [LIMIT=1200]
set -euo pipefail
out=${1:?usage: $0 OUT [INTERVAL] [LIMIT]}
interval=${2:-20}
limit=${3:-1200}
rss() { # pattern
  local pid
  pid=$(pgrep -f "$1" | head -1 || true)
  [ -n "$pid" ] && awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || echo -
}
end=$((SECONDS + limit))
echo "utc edge_rss_kib origin_rss_kib load1" >"$out"
while [ "$SECONDS" -lt "$end" ]; do
  echo "$(date -u +%T) $(rss cascade-edge.jar) $(rss cascade-origin.jar) $(cut -d' ' -f1 /proc/loadavg)" >>"$out"
  sleep "$interval"
done

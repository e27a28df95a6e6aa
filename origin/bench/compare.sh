#!/usr/bin/env bash
# Side by side: the same FanoutBench load against nginx-rtmp (Debian nginx + libnginx-mod-rtmp,
# 1 worker), a lone Cascade origin, and a 1-origin + 1-edge Cascade cluster measured at the edge.
# origin-flv and edge-flv are the same Cascade setups played by HTTP-FLV players (GET
# /live/bench.flv on the node's HTTP port; the publisher still uses RTMP); they are compared with
# nginx-rtmp and with their RTMP twin (origin, edge) of the same round. nginx-rtmp has no HTTP-FLV.
# origin-mixed and edge-mixed play one server with both at once (even players RTMP, odd ones
# HTTP-FLV, on the same client loops): the lag of the two halves compared under one load.
# origin-hls and edge-hls are played by LL-HLS viewers that load like hls.js (HlsPlayerLink: h2c,
# one connection per viewer, blocking reload + preload-hinted part); nginx-hls is nginx-rtmp with
# `hls on;` writing MPEG-TS segments to a tmpfs directory that the same nginx serves over HTTP
# (HTTP/2 without TLS, as the Cascade viewers use), played by the same viewers, which poll its
# playlist as a plain HLS player does. Their CPU per Gbit is compared with their RTMP twin.
# Loopback only; every server is started fresh for each run and stopped after it. See
# docs/BENCHMARKS.md ("Side by side with nginx-rtmp").
#
#   origin/bench/compare.sh [--players 1000] [--bitrate-kbps 4000] [--duration 30] [--ramp 200]
#                           [--rounds 2] [--servers nginx,origin,edge] [--no-build]
#   origin/bench/compare.sh --steps 1000,2000,3000 --bitrate-kbps 1000 --duration 15
#   origin/bench/compare.sh --servers nginx,origin,origin-flv   # HTTP-FLV against RTMP
#   origin/bench/compare.sh --servers origin-mixed,edge-mixed   # both at once, lag per protocol
#   origin/bench/compare.sh --servers edge,edge-hls,nginx,nginx-hls   # LL-HLS against RTMP, nginx-rtmp's HLS
#   COMPARE_ENV_PAIR="CASCADE_LIVE_SUBSCRIBER_FLUSH_VIDEO_HOLD=12ms" \
#     origin/bench/compare.sh --servers nginx,origin,origin~pair   # two settings of one server, same round
#
# A server name may end in ~NAME (origin~pair, edge-flv~x): the same server started with the
# environment settings in $COMPARE_ENV_NAME (upper case) after $COMPARE_CASCADE_ENV.
# Prints one table (and writes every run's JSON under origin/target/compare/<time>/).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

players=1000
bitrate=4000
duration=30
ramp=200
rounds=2
servers=nginx,origin,edge
steps=
build=1
port_base=${COMPARE_PORT_BASE:-29350}
cascade_jvm=${COMPARE_CASCADE_JVM:-"-Xms512m -Xmx512m -XX:+AlwaysPreTouch -XX:MaxDirectMemorySize=512m"}
cascade_env=${COMPARE_CASCADE_ENV:-}
variant_env=

while [ $# -gt 0 ]; do
  case "$1" in
    --players) players=$2; shift 2 ;;
    --bitrate-kbps) bitrate=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --ramp) ramp=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
[ "$rounds" -ge 1 ] && [ "$rounds" -le 5 ] || { echo "--rounds must be 1..5" >&2; exit 2; }
[ "$duration" -ge 5 ] && [ "$duration" -le 600 ] || { echo "--duration must be 5..600 (600: the 10-minute memory run)" >&2; exit 2; }
IFS=, read -r -a server_list <<<"$servers"
for s in "${server_list[@]}"; do
  case "${s%%~*}" in
    nginx | origin | edge | origin-flv | edge-flv | origin-mixed | edge-mixed | origin-hls | edge-hls | nginx-hls) ;;
    *) echo "unknown server $s (nginx, origin, edge, origin-flv, edge-flv, origin-mixed, edge-mixed, origin-hls, edge-hls, nginx-hls)" >&2; exit 2 ;;
  esac
done

out=$root/origin/target/compare/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
pids=()
cleanup() {
  local p
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && timeout 20 tail --pid="$p" -f /dev/null 2>/dev/null || true
  done
  pids=()
  if [ -n "${hls_root:-}" ]; then rm -rf "$hls_root"; fi
  hls_root=
}
trap cleanup EXIT

# --- what we need ---------------------------------------------------------------------------
rtmp_module=/usr/lib/nginx/modules/ngx_rtmp_module.so
if [[ ,$servers, == *,nginx,* || ,$servers, == *,nginx-hls,* ]] && { ! command -v nginx >/dev/null || [ ! -f $rtmp_module ]; }; then
  echo "installing nginx + libnginx-mod-rtmp (Debian)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-rtmp >/dev/null
fi
if [ "$build" = 1 ]; then
  echo "building the jars and the bench (offline, no tests)" >&2
  nice ./mvnw -B -o -q -pl origin,edge -am package dependency:build-classpath -DskipTests \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
fi
bench_cp=origin/target/test-classes:origin/target/classes:$(cat origin/target/bench.classpath)

wait_port() { # host port seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on $1:$2 after $3 s" >&2
  return 1
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# --- servers: each function starts one, sets url/publish_url/http_port/watch -------------------
start_nginx() { # round [hls]
  local dir=$out/nginx-$1 port=$port_base hls=${2:-} hls_conf= http_conf=
  port_free $port || { echo "port $port is taken" >&2; return 1; }
  mkdir -p "$dir/logs"
  if [ -n "$hls" ]; then
    # Segments on tmpfs: the disk is not what is measured. 2 s fragments (the GOP), 5 listed.
    hls_root=/dev/shm/cascade-compare-$$-$1
    mkdir -p "$hls_root/hls"
    chmod 777 "$hls_root/hls" # the worker runs as nobody
    hls_conf="hls on; hls_path $hls_root/hls; hls_fragment 2s; hls_playlist_length 10s;"
    port_free $((port + 1)) || { echo "port $((port + 1)) is taken" >&2; return 1; }
    http_conf="http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  server {
    listen 127.0.0.1:$((port + 1)) http2;
    location /hls/ { root $hls_root; add_header Cache-Control no-cache; }
  }
}"
  fi
  local nofile
  nofile=$(ulimit -Hn)
  [ "$nofile" = unlimited ] && nofile=65536
  cat >"$dir/nginx.conf" <<EOF
load_module $rtmp_module;
worker_processes 1;
worker_rlimit_nofile $nofile;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections $((nofile / 2)); }
rtmp {
  server {
    listen 127.0.0.1:$port;
    chunk_size 4096;
    application live {
      live on;
      wait_key on;
      wait_video on;
      $hls_conf
    }
  }
}
$http_conf
EOF
  nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/logs/stdout.log" 2>&1 &
  local master=$!
  pids+=("$master")
  wait_port 127.0.0.1 $port 10
  local worker
  worker=$(pgrep -P "$master" | head -1)
  url=rtmp://127.0.0.1:$port/live/bench
  publish_url=
  http_port=
  [ -n "$hls" ] && http_port=$((port + 1))
  watch=(--watch "nginx=$master+$worker")
}

cascade_node() { # role name rtmp http cluster log
  local role=$1 name=$2 rtmp=$3 http=$4 cluster=$5 log=$6
  port_free "$rtmp" && port_free "$http" && port_free "$cluster" || { echo "a port of $name is taken" >&2; return 1; }
  # shellcheck disable=SC2086
  env CASCADE_NODE_ID="$name" CASCADE_RTMP_HOST=127.0.0.1 CASCADE_RTMP_PORT="$rtmp" CASCADE_HTTP_HOST=127.0.0.1 \
    CASCADE_HTTP_PORT="$http" CASCADE_CLUSTER_HOST=127.0.0.1 CASCADE_CLUSTER_PORT="$cluster" \
    CASCADE_CLUSTER_ADVERTISED_HOST=127.0.0.1 CASCADE_CLUSTER_MEMBERS="127.0.0.1:$((port_base + 20))" \
    CASCADE_CLUSTER_NAME="compare-$$" CASCADE_CLUSTER_SECRET="compare-$$" $cascade_env $variant_env \
    java $cascade_jvm -Xlog:gc,safepoint:file="${log%.log}-gc.log":utctime -Dio.netty.leakDetectionLevel=disabled \
    -jar "$role/target/cascade-$role.jar" >"$log" 2>&1 &
  node_pid=$!
  pids+=("$node_pid")
  wait_port 127.0.0.1 "$rtmp" 60
}

start_origin() {
  cascade_node origin origin-a $((port_base + 10)) $((port_base + 11)) $((port_base + 20)) "$out/origin-$1.log"
  url=rtmp://127.0.0.1:$((port_base + 10))/live/bench
  publish_url=
  http_port=$((port_base + 11))
  watch=(--watch "origin=$node_pid")
}

start_edge() {
  cascade_node origin origin-a $((port_base + 10)) $((port_base + 11)) $((port_base + 20)) "$out/edge-origin-$1.log"
  local origin_pid=$node_pid
  cascade_node edge edge-1 $((port_base + 30)) $((port_base + 31)) $((port_base + 32)) "$out/edge-$1.log"
  url=rtmp://127.0.0.1:$((port_base + 30))/live/bench
  publish_url=rtmp://127.0.0.1:$((port_base + 10))/live/bench
  http_port=$((port_base + 31))
  watch=(--watch "edge=$node_pid" --watch "origin=$origin_pid")
  sleep 3 # the edge joins the cluster before the first player asks for the stream
}

run_one() { # server[~variant] round
  local server=${1%%~*} round=$2 json=$out/$1-$2.json variant_var
  variant_env=
  if [[ $1 == *~* ]]; then
    variant_var=COMPARE_ENV_${1#*~}
    variant_var=${variant_var^^}
    variant_env=${!variant_var:?"$1 needs $variant_var"}
  fi
  # origin-flv / edge-flv: the same server as origin / edge, played over HTTP-FLV; *-mixed: both;
  # *-hls: HLS viewers (nginx-hls: nginx-rtmp with hls on).
  local base=${server%-flv} players_speak=() warm_speak=()
  base=${base%-mixed}
  base=${base%-hls}
  "start_$base" "$round${variant_var:+-${1#*~}}" ${server#"$base"}
  case "$server" in
    *-flv) players_speak=(--protocol http-flv --http-port "$http_port") ;;
    *-mixed) players_speak=(--protocol mixed --http-port "$http_port") ;;
    nginx-hls) players_speak=(--protocol hls --http-port "$http_port" --hls-path /hls/bench.m3u8) ;;
    *-hls) players_speak=(--protocol hls --http-port "$http_port") ;;
  esac
  warm_speak=("${players_speak[@]}")
  [ "$server" = nginx-hls ] && warm_speak=(--protocol hls --http-port "$http_port" --hls-path /hls/warm.m3u8)
  local args=(--url "$url" --bitrate-kbps "$bitrate" --fps 30 --gop-seconds 2 --duration-seconds "$duration"
    --ramp "$ramp" --prime on --json "$json" "${watch[@]}" --watch bench=self "${players_speak[@]}")
  [ -n "$publish_url" ] && args+=(--publish-url "$publish_url")
  if [ -n "$steps" ]; then args+=(--steps "$steps"); else args+=(--players "$players" --probe-players 50); fi
  local n_steps limit
  n_steps=$(tr ',' '\n' <<<"${steps:-$players}" | wc -l)
  local last=${steps##*,}
  limit=$((n_steps * (duration + 45) + ${last:-$players} / (ramp > 0 ? ramp : 1000) + 90))
  echo "== $1 round $round ($(uptime | sed 's/.*load average/load average/'))" >&2
  # Warm-up on another stream: the JVM's JIT (and nginx's caches) see the code paths first.
  local warm=(--url "${url%/*}/warm" --players 100 --bitrate-kbps "$bitrate" --duration-seconds 5 --ramp 200
    "${warm_speak[@]}")
  [ -n "$publish_url" ] && warm+=(--publish-url "${publish_url%/*}/warm")
  timeout 90 java -Dio.netty.leakDetectionLevel=disabled -cp "$bench_cp" io.cascade.bench.FanoutBench "${warm[@]}" \
    >"$out/$1-$round-warmup.txt" 2>&1 || echo "warm-up failed, see $out/$1-$round-warmup.txt" >&2
  # HLS viewers hold whole parts and segments (a 2 s TS segment at 4 Mbit/s is 1 MB, fetched by
  # every viewer at once): the bench gets a larger heap for them.
  local bench_heap=-Xmx2g
  [[ $server == *-hls ]] && bench_heap=-Xmx4g
  # Its GC and safepoint pauses are logged: a pause of the load generator stalls every viewer at once.
  timeout "$limit" java -Xms1g $bench_heap -Xlog:gc,safepoint:file="$out/$1-$round-bench-gc.log":utctime \
    -Dio.netty.leakDetectionLevel=disabled -cp "$bench_cp" \
    io.cascade.bench.FanoutBench "${args[@]}" >"$out/$1-$round.txt" 2>&1 || echo "bench failed, see $out/$1-$round.txt" >&2
  cleanup
  sleep 2
}

for ((r = 1; r <= rounds; r++)); do
  for s in "${server_list[@]}"; do
    run_one "$s" "$r"
  done
done

# --- the table -----------------------------------------------------------------------------
echo
echo "machine: $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1); stream ${bitrate} kbit/s video + 128 kbit/s audio, 30 fps, 2 s GOP; window ${duration} s"
if [ -z "$steps" ]; then
  printf '%-10s %-3s %5s %7s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %6s %5s\n' server run load Gbit/s "mach/G" "proc/G" "sut/G" \
    "lag50" "lag99" "ttff50" "ttff99" "wttff50" "wttff99" "KiB/pl" "orig/G" gaps fail
else
  printf '%-10s %-3s %5s %8s %s\n' server run load largest steps
fi
for ((r = 1; r <= rounds; r++)); do
  for s in "${server_list[@]}"; do
    f=$out/$s-$r.json
    [ -f "$f" ] || { echo "$s $r: no result (see $out/$s-$r.txt)"; continue; }
    if [ -n "$steps" ]; then
      jq -r --arg s "$s" --arg r "$r" '[$s, $r, (.cpu.loadAverage|.*10|round/10), .largestPassing,
        ([.steps[] | "\(.players):\(.verdict)"] | join("; "))] | @tsv' "$f" |
        awk -F'\t' '{printf "%-10s %-3s %5s %8s %s\n", $1, $2, $3, $4, $5}'
    else
      # The watched server process is named after the base server (origin-flv watches "origin").
      p=${s%%~*}
      p=${p%-flv}
      p=${p%-mixed}
      jq -r --arg s "$s" --arg p "${p%-hls}" --arg r "$r" '
        .cpu.processes[$p] as $srv
        | [$s, $r, (.cpu.loadAverage*10|round/10), (.deliveredMbps/1000),
           .cpu.machineCpuSecondsPerGbit, $srv.cpuSecondsPerGbit, ([.cpu.processes[].cpuSecondsPerGbit]|add),
           .lagMs.p50, .lagMs.p99, .ttffMs.p50, .ttffMs.p99, (.probeTtffMs.p50 // -1), (.probeTtffMs.p99 // -1),
           $srv.rssPerPlayerKib,
           (if $p == "edge" then .cpu.processes.origin.cpuSecondsPerGbit else null end),
           .playersWithGaps, (.failedConnects + .closedDuringRun)] | @tsv' "$f" |
        awk -F'\t' '{printf "%-10s %-3s %5.1f %7.2f %8.3f %8.3f %8.3f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8s %6s %5s\n",
          $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,($15==""?"-":sprintf("%.3f",$15)),$16,$17}'
    fi
  done
done | tee "$out/table.txt"

if [ -z "$steps" ] && [[ ,$servers, == *,nginx,* ]]; then
  echo
  echo "ratios to nginx-rtmp of the same round (mach/G, proc/G, sut/G: CPU-s per delivered Gbit; lag99, ttff: ms)"
  awk '$1 == "nginx" { n[$2] = $0 } $1 != "nginx" { c[NR] = $0 }
    END {
      for (i in c) {
        split(c[i], a, " "); if (!(a[2] in n)) continue; split(n[a[2]], b, " ")
        printf "%-10s %-3s mach/G %.2fx  proc/G %.2fx  sut/G %.2fx  lag50 %.2fx  lag99 %.2fx  KiB/pl %.2fx\n",
          a[1], a[2], a[5] / b[5], a[6] / b[6], a[7] / b[7], a[8] / b[8], a[9] / b[9], (b[14] > 0 ? a[14] / b[14] : 0)
      }
    }' "$out/table.txt" | sort -k2,2 -k1,1
elif [ -n "$steps" ] && [[ ,$servers, == *,nginx,* ]]; then
  echo
  awk '$1 == "nginx" { n[$2] = $4 } $1 != "nginx" { c[NR] = $1 " " $2 " " $4 }
    END { for (i in c) { split(c[i], a, " "); if (n[a[2]] > 0) printf "%-10s %-3s largest passing %.2fx nginx-rtmp\n", a[1], a[2], a[3] / n[a[2]] } }' \
    "$out/table.txt" | sort -k2,2
fi
# HTTP-FLV rows against their RTMP twin of the same round (origin-flv / origin, edge-flv / edge).
if [[ $servers == *-flv* ]]; then
  echo
  if [ -z "$steps" ]; then
    echo "HTTP-FLV players against RTMP players on the same server, same round (ratios FLV / RTMP; bench/G: the"
    echo "load generator's own CPU-s per Gbit, sut/G - proc/G - orig/G; gaps and fail: FLV row / RTMP row)"
    awk 'NF >= 17 { row[$1 " " $2] = $0 }
      END {
        for (k in row) {
          split(k, key, " "); if (key[1] !~ /-flv$/) continue
          twin = substr(key[1], 1, length(key[1]) - 4) " " key[2]; if (!(twin in row)) continue
          split(row[k], a, " "); split(row[twin], b, " ")
          fb = a[7] - a[6] - (a[15] == "-" ? 0 : a[15]); rb = b[7] - b[6] - (b[15] == "-" ? 0 : b[15])
          printf "%-10s %-3s vs %-6s mach/G %.2fx  proc/G %.2fx  sut/G %.2fx  bench/G %.2fx  lag50 %.2fx  lag99 %.2fx  gaps %d/%d  fail %d/%d\n",
            key[1], key[2], b[1], a[5] / b[5], a[6] / b[6], a[7] / b[7], (rb > 0 ? fb / rb : 0), a[8] / b[8], a[9] / b[9],
            a[16], b[16], a[17], b[17]
        }
      }' "$out/table.txt" | sort -k2,2 -k1,1
  else
    awk 'NF >= 4 { n[$1 " " $2] = $4 }
      END {
        for (k in n) {
          split(k, key, " "); if (key[1] !~ /-flv$/) continue
          twin = substr(key[1], 1, length(key[1]) - 4) " " key[2]
          if (n[twin] > 0) printf "%-10s %-3s largest passing %.2fx %s (RTMP players)\n", key[1], key[2], n[k] / n[twin], substr(twin, 1, index(twin, " ") - 1)
        }
      }' "$out/table.txt" | sort -k2,2
  fi
fi
# HLS rows against their RTMP twin of the same round (edge-hls / edge, nginx-hls / nginx).
if [[ $servers == *-hls* ]] && [ -z "$steps" ]; then
  echo
  echo "HLS viewers against RTMP players on the same server, same round (proc/G: the server's CPU-s per delivered"
  echo "Gbit, ratio HLS / RTMP; target for edge-hls / edge: <= 1.5x); media: parts (LL-HLS) or segments received,"
  echo "skipped: their numbers skipped; RSS MiB of the server before the first player and at the end of the window"
  for ((r = 1; r <= rounds; r++)); do
    for s in "${server_list[@]}"; do
      [[ $s == *-hls ]] || continue
      f=$out/$s-$r.json twin=$out/${s%-hls}-$r.json p=${s%-hls}
      [ -f "$f" ] || continue
      jq -r --arg s "$s" --arg r "$r" --arg p "$p" --slurpfile t <(if [ -f "$twin" ]; then cat "$twin"; else echo null; fi) '
        .cpu.processes[$p] as $srv | ($t[0].cpu.processes[$p].cpuSecondsPerGbit // null) as $rtmp
        | [$s, $r, $srv.cpuSecondsPerGbit, ($rtmp // -1), (if $rtmp then $srv.cpuSecondsPerGbit / $rtmp else -1 end),
           .hls.media, .hls.missingMedia, .hls.playersMissingMedia, ($srv.rssBaselineKib / 1024), ($srv.rssEndKib / 1024),
           .lagMs.p50, .lagMs.p99, .deliveredMbps, .expectedMbps] | @tsv' "$f" |
        awk -F'\t' '{printf "%-10s %-3s proc/G %.3f vs RTMP %.3f = %.2fx  media %d skipped %d (%d players)  RSS %.0f -> %.0f MiB  lag50 %.1f lag99 %.1f ms  %.0f/%.0f Mbit/s\n",
          $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14}'
    done
  done | tee -a "$out/table.txt"
fi
# Mixed rows: the two halves of one run, HTTP-FLV's lag against RTMP's.
if [[ $servers == *-mixed* ]] && [ -z "$steps" ]; then
  echo
  echo "one server, both protocols at once (even players RTMP, odd HTTP-FLV): lag ms per half, ratio FLV / RTMP"
  for ((r = 1; r <= rounds; r++)); do
    for s in "${server_list[@]}"; do
      [[ $s == *-mixed ]] || continue
      f=$out/$s-$r.json
      [ -f "$f" ] || continue
      jq -r --arg s "$s" --arg r "$r" '.lagByProtocolMs as $l
        | [$s, $r, $l.rtmp.p50, $l.rtmp.p99, $l["http-flv"].p50, $l["http-flv"].p99] | @tsv' "$f" |
        awk -F'\t' '{printf "%-12s %-3s rtmp p50 %6.1f p99 %6.1f  http-flv p50 %6.1f p99 %6.1f  ratio p50 %.2fx p99 %.2fx\n",
          $1, $2, $3, $4, $5, $6, $5 / $3, $6 / $4}'
    done
  done | tee -a "$out/table.txt"
fi
echo
echo "columns: mach/G whole-machine busy CPU-s per delivered Gbit (/proc/stat; includes the load generator and"
echo "anything else running); proc/G the server's own (nginx master+worker, the origin, or the edge); sut/G server"
echo "processes + load generator; ttff: play() to first frame while the players arrive at --ramp per second;"
echo "wttff: 50 more players joining one by one at 10/s after the window (warm server, under load);"
echo "KiB/pl server RSS growth per player from before the first player to the end;"
echo "orig/G the origin's CPU-s per Gbit delivered at the edge; *-flv rows: the same server played over HTTP-FLV."
echo "Results: $out"

#!/usr/bin/env bash
# Summarises a JFR recording of a Cascade node (e.g. RecordingBench --jfr disk): CPU per thread
# group (jdk.ThreadCPULoad, thread numbers folded, summed over the recording's samples: compare
# groups within one file) and, for the threads matching THREAD_REGEX, the methods found most often
# anywhere on the stack of jdk.ExecutionSample (inclusive: a method and its callers all count).
#
#   origin/bench/jfr-cpu.sh origin/target/recbench/<time>/disk-1/origin.jfr [THREAD_REGEX] [TOP]
#   origin/bench/jfr-cpu.sh .../disk-1/origin.jfr eventloop 30
set -euo pipefail
file=$1
threads=${2:-.}
top=${3:-25}
jfr=${JFR:-jfr}
echo "== CPU per thread group (sum of user / system % over the samples)"
"$jfr" print --events jdk.ThreadCPULoad "$file" | awk '
  /user =/ { u = $3; sub(/%/, "", u) }
  /system =/ { s = $3; sub(/%/, "", s) }
  /eventThread =/ { n = $0; sub(/.*eventThread = "/, "", n); sub(/".*/, "", n); gsub(/-[0-9]+$/, "-N", n)
    U[n] += u; S[n] += s; C[n]++ }
  END { for (k in U) printf "%8.2f %8.2f %5d  %s\n", U[k], S[k], C[k], k }' | sort -k1,1 -nr | head -15 |
  awk 'BEGIN { printf "%8s %8s %5s  %s\n", "user", "system", "n", "threads" } { print }'
echo
echo "== methods on the stack of samples of threads matching /$threads/ (inclusive)"
"$jfr" print --events jdk.ExecutionSample --stack-depth 64 "$file" | awk -v T="$threads" '
  /^jdk\.ExecutionSample/ { inev = 1; th = ""; delete seen; next }
  inev && /sampledThread =/ { th = $0; sub(/.*sampledThread = "/, "", th); sub(/".*/, "", th) }
  inev && /stackTrace = \[/ { st = 1; next }
  inev && st && /^  \]/ { st = 0 }
  inev && st && th ~ T { f = $0; sub(/^ +/, "", f); sub(/\(.*/, "", f); if (f != "..." && !(f in seen)) { C[f]++; seen[f] = 1 } }
  inev && /^}/ { if (th ~ T) N++; inev = 0 }
  END { printf "%5d samples\n", N; for (k in C) printf "%5d %5.1f%%  %s\n", C[k], 100 * C[k] / (N ? N : 1), k }' |
  sort -k1,1 -nr | head -$((top + 1))

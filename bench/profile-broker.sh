#!/usr/bin/env bash
# CPU profiles of the broker's produce path and fetch path, separately, under
# rdkafka_performance load, summarised by bench/cpuprofile-top.mjs.
#
#   npm run build && bench/profile-broker.sh [SIZE] [COUNT] [PARTITIONS] [OUTDIR]
#
# defaults: 100 B, 5,000,000 messages, 1 partition, /tmp/weir-prof
#
# 1. broker under --cpu-prof, rdkafka_performance -P, broker stopped -> produce profile
# 2. same data dir, new broker under --cpu-prof, rdkafka_performance -C from
#    the beginning, broker stopped -> consume profile
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-100}
COUNT=${2:-5000000}
PARTS=${3:-1}
OUT=${4:-/tmp/weir-prof}
PERF=node_modules/node-rdkafka/deps/librdkafka/examples/rdkafka_performance
DATA=$(mktemp -d /tmp/weir-prof-data-XXXXXX)
mkdir -p "$OUT/produce" "$OUT/consume"
rm -f "$OUT"/produce/*.cpuprofile "$OUT"/consume/*.cpuprofile
BROKER_PID=
trap '[ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null; rm -rf "$DATA"' EXIT

start_broker() { # $1 = profile dir
  local log
  log=$(mktemp)
  node --cpu-prof --cpu-prof-dir "$1" dist/cli/main.js start --port 0 --data-dir "$DATA" \
    --override num.partitions="$PARTS" >"$log" 2>&1 &
  BROKER_PID=$!
  for _ in $(seq 1 150); do
    BOOTSTRAP=$(grep -o '"bootstrapServers":"[^"]*"' "$log" | head -1 | cut -d'"' -f4 || true)
    [ -n "$BOOTSTRAP" ] && return 0
    sleep 0.1
  done
  echo "broker did not start:" >&2; cat "$log" >&2; exit 1
}

stop_broker() {
  kill -TERM "$BROKER_PID"
  for _ in $(seq 1 100); do kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 0.1; done
  BROKER_PID=
}

PARGS=()
for ((p = 0; p < PARTS; p++)); do PARGS+=(-p "$p"); done

start_broker "$OUT/produce"
timeout 120 "$PERF" -P -t prof -b "$BOOTSTRAP" -s "$SIZE" -a 1 -c "$COUNT" -X linger.ms=5 -X batch.num.messages=10000 -q | grep -E '^% [0-9]+ messages'
stop_broker
start_broker "$OUT/consume"
timeout 120 "$PERF" -C -t prof "${PARGS[@]}" -b "$BOOTSTRAP" -o beginning -c "$COUNT" -q | grep -E '^% [0-9]+ messages'
stop_broker

echo; echo "=== produce path ($SIZE B x $COUNT, $PARTS partitions) ==="
node bench/cpuprofile-top.mjs "$OUT"/produce/*.cpuprofile --top 25
echo; echo "=== fetch path ==="
node bench/cpuprofile-top.mjs "$OUT"/consume/*.cpuprofile --top 25

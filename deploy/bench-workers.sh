#!/usr/bin/env bash
# Throughput of N workers on one plan: bench-workers.sh WORKERS MODEL TRIALS CONCURRENCY
# Needs a PostgreSQL server and its psql client; PGHOST, PGPORT and PGUSER say where (a new database is made per run).
# MESSAGE_LIMIT caps messages per trial (e.g. 6 for a mock model that never calls a tool).
# Example: PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres deploy/bench-workers.sh 4 reference/comply 192 4
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
workers=$1; model=$2; trials=$3; concurrency=$4
db="bench_$(date +%s)_$RANDOM"
psql -qc "CREATE DATABASE $db" >/dev/null
export OFFSWITCH_DB="postgres://${PGUSER}@${PGHOST}:${PGPORT}/$db"
"$root/offswitch" --version >/dev/null   # builds the CLI first, outside the timing
limit=()
if [ -n "${MESSAGE_LIMIT:-}" ]; then limit=(--message-limit "$MESSAGE_LIMIT"); fi
plan=$("$root/offswitch" run shutdown-resistance -m "$model" -c A -n "$trials" "${limit[@]}" --db env:OFFSWITCH_DB --plan-only | sed -n 's/^plan //p')
start=$(date +%s.%N)
for i in $(seq "$workers"); do
  "$root/offswitch" worker --db env:OFFSWITCH_DB --plan "$plan" --concurrency "$concurrency" --name "w$i" >/dev/null &
done
wait
end=$(date +%s.%N)
stored=$(psql -d "$db" -tAc "SELECT count(*) FROM trials")
awk -v w="$workers" -v n="$stored" -v s="$start" -v e="$end" -v m="$model" \
  'BEGIN { printf "workers=%d model=%s trials=%d seconds=%.1f trials/s=%.2f\n", w, m, n, e - s, n / (e - s) }'

#!/usr/bin/env bash
# Starts or stops a moto_server on 127.0.0.1 for the `moto`-labelled tests.
#
#   tests/moto/run-moto.sh start PORT   # background server, waits until it answers
#   tests/moto/run-moto.sh stop PORT    # stops the server started for PORT
#
# Then: CIRT_MOTO_ENDPOINT=http://127.0.0.1:PORT ctest -L moto
# The pid file and log live in /tmp (cirt-moto-PORT.pid / .log). Only the
# recorded pid is ever killed.
set -euo pipefail

action=${1:-}
port=${2:-}
if [[ -z "$action" || -z "$port" || ! "$port" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 start|stop PORT" >&2
  exit 2
fi
pid_file="/tmp/cirt-moto-${port}.pid"
log_file="/tmp/cirt-moto-${port}.log"

start() {
  if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "moto_server already running on port $port (pid $(cat "$pid_file"))" >&2
    exit 1
  fi
  local server=(moto_server)
  if ! command -v moto_server >/dev/null 2>&1; then
    server=(python3 -m moto.server)
  fi
  MOTO_IAM_LOAD_MANAGED_POLICIES=true "${server[@]}" -H 127.0.0.1 -p "$port" \
    >"$log_file" 2>&1 &
  local pid=$!
  echo "$pid" >"$pid_file"
  # Ready when the dashboard answers; give up after 20 s.
  for _ in $(seq 1 400); do
    if curl -sf -o /dev/null "http://127.0.0.1:${port}/moto-api/"; then
      echo "moto_server ready on http://127.0.0.1:${port} (pid $pid, log $log_file)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "moto_server exited early; log follows" >&2
      cat "$log_file" >&2
      rm -f "$pid_file"
      exit 1
    fi
    sleep 0.05
  done
  echo "moto_server did not answer within 20 s; log follows" >&2
  cat "$log_file" >&2
  kill "$pid" 2>/dev/null || true
  rm -f "$pid_file"
  exit 1
}

stop() {
  if [[ ! -f "$pid_file" ]]; then
    echo "no pid file for port $port" >&2
    return 0
  fi
  local pid
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
  echo "moto_server on port $port stopped"
}

case "$action" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop PORT" >&2; exit 2 ;;
esac

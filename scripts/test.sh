#!/usr/bin/env bash
# The README's second command (and what CI runs): install, build, start
# moto_server on 127.0.0.1, run every test, run the fuzzers briefly under
# ASan+UBSan, and stop what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/shared-dir.sh
if ! cirt_find_shared_dir; then
  echo "test: the shared test material (corpus/) was not found: set CIRT_SHARED_DIR," \
       "or check out next to it (../shared)" >&2
  exit 2
fi
echo "test: shared test material in $CIRT_SHARED_DIR" >&2
CIRT_FUZZ=1 bash scripts/install-deps.sh
bash scripts/build.sh -DCIRT_BUILD_TESTS=ON -DCIRT_BUILD_BENCH=ON "-DCIRT_SHARED_DIR=$CIRT_SHARED_DIR"

# A free port, so a moto_server left by someone else never collides.
port=${CIRT_MOTO_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
moto_started=0
cleanup() {
  if [[ $moto_started == 1 ]]; then bash tests/moto/run-moto.sh stop "$port" || true; fi
}
trap cleanup EXIT
if [[ -x "$(command -v moto_server)" ]] || python3 -c 'import moto' 2>/dev/null; then
  bash tests/moto/run-moto.sh start "$port"
  moto_started=1
  export CIRT_MOTO_ENDPOINT="http://127.0.0.1:${port}"
else
  echo "test: moto_server is not installed (pip install 'moto[server]'); moto tests will fail" >&2
fi

# Unit and end-to-end tests in parallel; the moto tests share one server
# (one of them toggles its signature checking), so they run one at a time.
ctest --test-dir build --output-on-failure -j "$(nproc)" -LE moto
ctest --test-dir build --output-on-failure -j 1 -L moto

# Fuzz the readers and the rule loader for a bounded time under ASan+UBSan.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCIRT_BUILD_FUZZ=ON -DCIRT_SANITIZE=ON -DCIRT_BUILD_TESTS=OFF -DCIRT_BUILD_BENCH=OFF >/dev/null
ninja -C build-fuzz fuzz_reader fuzz_rule_loader
bash fuzz/run-fuzz.sh build-fuzz "${CIRT_FUZZ_SECONDS:-30}"
echo "test: all tests passed"

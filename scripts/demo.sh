#!/usr/bin/env bash
# The README's first command: install, build, and hunt the bundled sample
# trail (examples/) with the built-in pack and the SigmaHQ AWS rules.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DCIRT_BUILD_TESTS=OFF -DCIRT_BUILD_BENCH=OFF
source scripts/shared-dir.sh
rules=()
if cirt_find_shared_dir && [[ -d $CIRT_SHARED_DIR/corpus/sigmahq-sigma ]]; then
  rules=(--rules "$CIRT_SHARED_DIR/corpus/sigmahq-sigma")
fi
set +e
./build/src/cli/cirt hunt examples/ "${rules[@]}" --level medium "$@"
rc=$?
set -e
echo "cirt hunt exited with $rc (0: clean, 1: some input skipped, 2: usage or rule errors)" >&2
exit $rc

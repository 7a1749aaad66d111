#!/usr/bin/env bash
# The cirt hunt throughput benchmark, in one command (see bench/README.md):
#
#   bash bench/run-bench.sh [--events N] [--corpus DIR] [--build DIR] [--no-build]
#                           [--runs N] [--no-jq] [--no-python]
#
# Generates a seed-1 CloudTrail corpus with ../shared/bench/gen-cloudtrail.py
# (skipped when DIR/manifest.json already matches), builds cirt and
# cirt_parse_bench, warms the page cache, then measures in the same run:
#   (a) decompress + parse only, no rules (cirt_parse_bench parse-ondemand),
#       plus the gunzip-only and DOM rows
#   (b) cirt hunt, all SigmaHQ AWS rules + the built-in pack, -j 1 and -j nproc
#   (c) jq running ../shared/bench/ten-rules.jq (and python3 gzip+json)
# and prints one table, the ratios (b,1 core)/(a) and (b,1 core)/(c), and
# PASS/MISS against the goals (>= 70% of the floor, >= 20x jq).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
source "$REPO/scripts/shared-dir.sh"
cirt_find_shared_dir || { echo "bench: shared material (bench/) not found; set CIRT_SHARED_DIR" >&2; exit 2; }
SHARED="$CIRT_SHARED_DIR"

EVENTS=1000000
CORPUS=/tmp/cirt-bench-ct1m
BUILD="$REPO/build-bench"
DO_BUILD=1
RUNS=3
DO_JQ=1
DO_PY=1
SEED=1

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --events) EVENTS="$2"; shift 2 ;;
    --corpus) CORPUS="$2"; shift 2 ;;
    --build) BUILD="$2"; shift 2 ;;
    --no-build) DO_BUILD=0; shift ;;
    --runs) RUNS="$2"; shift 2 ;;
    --no-jq) DO_JQ=0; shift ;;
    --no-python) DO_PY=0; shift ;;
    -h|--help) usage ;;
    *) echo "run-bench.sh: unknown argument $1" >&2; usage ;;
  esac
done

log() { echo "run-bench: $*" >&2; }
now() { date +%s.%N; }
CORES=$(nproc)
TMP=$(mktemp -d /tmp/cirt-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# ---- corpus ----------------------------------------------------------------
manifest_get() {  # manifest_get KEY -> value from $CORPUS/manifest.json
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
    "$CORPUS/manifest.json" "$1"
}
if [[ -f "$CORPUS/manifest.json" ]] \
   && [[ "$(manifest_get events)" == "$EVENTS" ]] && [[ "$(manifest_get seed)" == "$SEED" ]] \
   && [[ "$(find "$CORPUS/AWSLogs" -name '*.json.gz' | wc -l)" == "$(manifest_get files)" ]]; then
  log "corpus $CORPUS matches its manifest ($EVENTS events, seed $SEED): not regenerating"
else
  log "generating $EVENTS events into $CORPUS (seed $SEED)"
  rm -rf "$CORPUS"
  (cd "$REPO" && python3 "$SHARED/bench/gen-cloudtrail.py" --events "$EVENTS" --out "$CORPUS" \
     --seed "$SEED" --jobs "$CORES")
fi
JSON_BYTES=$(manifest_get bytes_uncompressed)
N_EVENTS=$(manifest_get events)
N_FILES=$(manifest_get files)

# ---- build -----------------------------------------------------------------
if [[ $DO_BUILD == 1 ]]; then
  extra=()
  [[ -f "$BUILD/CMakeCache.txt" ]] || extra=(-G Ninja -DCIRT_BUILD_TESTS=OFF)
  log "building in $BUILD"
  cmake -S "$REPO" -B "$BUILD" "${extra[@]}" -DCIRT_BUILD_BENCH=ON >"$TMP/cmake.log" 2>&1 \
    || { cat "$TMP/cmake.log" >&2; exit 1; }
  ninja -C "$BUILD" cirt cirt_parse_bench >"$TMP/ninja.log" 2>&1 \
    || { tail -50 "$TMP/ninja.log" >&2; exit 1; }
fi
CIRT="$BUILD/src/cli/cirt"
PARSE_BENCH="$BUILD/bench/cirt_parse_bench"
[[ -x "$CIRT" && -x "$PARSE_BENCH" ]] || { log "missing $CIRT or $PARSE_BENCH (build first)"; exit 1; }

# ---- warm the page cache ---------------------------------------------------
log "warming the page cache"
find "$CORPUS/AWSLogs" -name '*.json.gz' -print0 | xargs -0 cat >/dev/null

# ---- rows ------------------------------------------------------------------
# Each row: label|threads|seconds|note
ROWS=()
add_row() { ROWS+=("$1|$2|$3|$4"); }

# (a) and the decompression / DOM rows: cirt_parse_bench, in-process, files in memory.
log "cirt_parse_bench (best of $RUNS)"
"$PARSE_BENCH" "$CORPUS/AWSLogs" --runs "$RUNS" --tsv >"$TMP/parse.tsv" 2>"$TMP/parse.err" \
  || { cat "$TMP/parse.err" >&2; exit 1; }
parse_secs() { awk -F'\t' -v m="$1" '$1 == m { print $4 }' "$TMP/parse.tsv"; }
SIMD_KERNEL=$(sed -n 's/.*simdjson kernel \([a-z0-9_]*\).*/\1/p' "$TMP/parse.err")
FLOOR_S=$(parse_secs parse-ondemand)

# (b) cirt hunt, whole process, best of $RUNS. The first run of each is not
# quiet (stderr kept) to read the detection count and cirt's own scan time.
hunt_best() {  # hunt_best JOBS -> best seconds; writes $TMP/hunt-jJOBS.err
  local jobs=$1 best="" t0 t1 s q
  for ((i = 1; i <= RUNS; i++)); do
    q=-q; [[ $i == 1 ]] && q=""
    t0=$(now)
    set +e
    "$CIRT" hunt --rules "$SHARED/corpus/sigmahq-sigma" -j "$jobs" --format jsonl $q \
      -o /dev/null "$CORPUS/AWSLogs" 2>"$TMP/hunt-j$jobs-run$i.err"
    rc=$?
    set -e
    t1=$(now)
    if [[ $rc != 0 ]]; then log "cirt hunt -j $jobs exited $rc"; cat "$TMP/hunt-j$jobs-run$i.err" >&2; exit 1; fi
    s=$(echo "$t1 - $t0" | bc -l)
    log "  cirt hunt -j $jobs run $i: $s s"
    if [[ -z $best ]] || (( $(echo "$s < $best" | bc -l) )); then best=$s; fi
  done
  cp "$TMP/hunt-j$jobs-run1.err" "$TMP/hunt-j$jobs.err"
  echo "$best"
}
log "cirt hunt -j 1 (best of $RUNS)"
HUNT1_S=$(hunt_best 1)
log "cirt hunt -j $CORES (best of $RUNS)"
HUNTN_S=$(hunt_best "$CORES")
DETECTIONS=$(sed -n 's/^Detections: \([0-9]*\).*/\1/p' "$TMP/hunt-j1.err" | head -1)
RULES_LINE=$(grep -o 'cirt: [0-9]* rules.*' "$TMP/hunt-j1.err" | head -1 || true)
SCAN1=$(sed -n 's/.* MB JSON in \([0-9.]*\)s .*/\1/p' "$TMP/hunt-j1.err" | head -1)
SCANN=$(sed -n 's/.* MB JSON in \([0-9.]*\)s .*/\1/p' "$TMP/hunt-j$CORES.err" | head -1)

# (c) jq with gzip -dc (2 processes), best of 1: it is slow.
JQ_S=""; JQ_MATCHES=""
if [[ $DO_JQ == 1 ]] && command -v jq >/dev/null; then
  log "jq ten-rules.jq (1 run)"
  t0=$(now)
  JQ_MATCHES=$(find "$CORPUS/AWSLogs" -name '*.json.gz' | sort | xargs gzip -dc \
    | jq -c -f "$SHARED/bench/ten-rules.jq" | wc -l)
  t1=$(now)
  JQ_S=$(echo "$t1 - $t0" | bc -l)
fi

# Extra: python3 gzip + json with the same ten conditions, 1 process.
PY_S=""; PY_MATCHES=""
if [[ $DO_PY == 1 ]]; then
  log "python3 gzip+json ten conditions (1 run)"
  cat >"$TMP/ten.py" <<'PY'
import gzip, json, os, re, sys
kali = re.compile("kali|parrot|pentoo")
paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(sys.argv[1]) for f in fs if f.endswith(".json.gz"))
n = 0
for p in paths:
    with open(p, "rb") as fh:
        doc = json.loads(gzip.decompress(fh.read()))
    for r in doc.get("Records", []):
        en = r.get("eventName"); rp = r.get("requestParameters")
        aed = r.get("additionalEventData") or {}
        if (en in ("StopLogging", "DeleteTrail", "UpdateTrail")
                or (r.get("eventSource") == "guardduty.amazonaws.com" and en == "DeleteDetector")
                or (en == "ConsoleLogin" and isinstance(aed, dict) and aed.get("MFAUsed") == "No")
                or (r.get("userIdentity") or {}).get("type") == "Root"
                or en == "CreateAccessKey"
                or (en in ("AttachUserPolicy", "PutUserPolicy")
                    and "AdministratorAccess" in (rp if isinstance(rp, str) else json.dumps(rp, separators=(",", ":"))))
                or (en == "ModifySnapshotAttribute" and isinstance(rp, dict)
                    and ((rp.get("createVolumePermission") or {}).get("add") is not None))
                or en == "PutBucketPolicy"
                or r.get("errorCode") == "AccessDenied"
                or kali.search(r.get("userAgent") or "")):
            n += 1
print(n)
PY
  t0=$(now)
  PY_MATCHES=$(python3 "$TMP/ten.py" "$CORPUS/AWSLogs")
  t1=$(now)
  PY_S=$(echo "$t1 - $t0" | bc -l)
fi

# ---- table -----------------------------------------------------------------
mbps() { echo "$JSON_BYTES / 1000000 / $1" | bc -l; }
eps() { echo "$N_EVENTS / $1" | bc -l; }

echo
echo "cirt hunt throughput: $N_EVENTS events, $N_FILES files, $(printf '%.1f' "$(echo "$JSON_BYTES/1000000" | bc -l)") MB JSON ($CORPUS)"
echo "$(uname -m), $CORES cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1); simdjson kernel: ${SIMD_KERNEL:-?}; best of $RUNS unless noted"
echo
printf '| %-4s | %-66s | %7s | %9s | %10s | %8s |\n' row what threads "MB/s" "events/s" seconds
printf '|%s|%s|%s|%s|%s|%s|\n' ------ "$(printf -- '-%.0s' {1..68})" ---------: ----------: -----------: ---------:
row() {  # row ID WHAT THREADS SECONDS
  printf '| %-4s | %-66s | %7s | %9.1f | %10.0f | %8.3f |\n' "$1" "$2" "$3" "$(mbps "$4")" "$(eps "$4")" "$4"
}
row "" "gunzip-isal: io::Gunzip (libdeflate, ISA-L fallback)" 1 "$(parse_secs gunzip-isal)"
row "" "gunzip-libdeflate: libdeflate, whole file in one call" 1 "$(parse_secs gunzip-libdeflate)"
row "(a)" "parse-ondemand: io::Gunzip + CloudTrailReader, no rules (FLOOR)" 1 "$FLOOR_S"
row "" "parse-dom: io::Gunzip + simdjson DOM, same fields" 1 "$(parse_secs parse-dom)"
row "(b)" "cirt hunt, SigmaHQ AWS + built-in rules, whole process" 1 "$HUNT1_S"
row "(b)" "cirt hunt, SigmaHQ AWS + built-in rules, whole process" "$CORES" "$HUNTN_S"
if [[ -n $JQ_S ]]; then
  row "(c)" "gzip -dc, jq -f ten-rules.jq ($JQ_MATCHES matches; best of 1)" "2 procs" "$JQ_S"
fi
if [[ -n $PY_S ]]; then
  row "" "python3 gzip+json, same ten conditions ($PY_MATCHES matches; best of 1)" 1 "$PY_S"
fi
echo
RULES_LINE=${RULES_LINE#cirt: }
echo "cirt hunt: ${DETECTIONS:-?} detections; ${RULES_LINE%%; skipped*}"
[[ -n $SCAN1 ]] && printf 'cirt hunt time as cirt reports it (rule loading + scan + sort; excludes writing the output): -j 1 %.2f s (%.0f MB/s), -j %s %.2f s (%.0f MB/s)\n' \
  "$SCAN1" "$(mbps "$SCAN1")" "$CORES" "$SCANN" "$(mbps "$SCANN")"
echo

verdict() { if (( $(echo "$1 >= $2" | bc -l) )); then echo PASS; else echo MISS; fi; }
R_FLOOR=$(echo "$FLOOR_S / $HUNT1_S" | bc -l)   # (b)/(a) in throughput = inverse of time ratio
printf 'goal (b, 1 core) / (a)  >= 70%%:  %5.1f%%   %s\n' "$(echo "$R_FLOOR * 100" | bc -l)" "$(verdict "$R_FLOOR" 0.70)"
if [[ -n $JQ_S ]]; then
  R_JQ=$(echo "$JQ_S / $HUNT1_S" | bc -l)
  printf 'goal (b, 1 core) / (c)  >= 20x:  %5.1fx   %s\n' "$R_JQ" "$(verdict "$R_JQ" 20)"
  [[ $JQ_MATCHES == 11159 || $EVENTS != 1000000 ]] || log "warning: jq matched $JQ_MATCHES, expected 11159 on seed 1"
else
  echo "goal (b, 1 core) / (c)  >= 20x:  not measured (--no-jq or no jq)"
fi
R_SCALE=$(echo "$HUNT1_S / $HUNTN_S" | bc -l)
printf 'scaling -j %s / -j 1: %.2fx\n' "$CORES" "$R_SCALE"

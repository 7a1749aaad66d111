#!/usr/bin/env bash
# check_html_in_chromium.sh REPORT.html [MIN_BARS] [MIN_MARKERS]
# Opens an incident report in Debian's headless Chromium (installed by
# scripts/install-deps.sh) and checks what a reader sees:
#  - the DOM after rendering holds every section and both charts, with at
#    least MIN_BARS activity bars (default 3) and MIN_MARKERS detection
#    markers (default 1), and per-principal bars;
#  - a screenshot is a real picture: a PNG over 20 KB with many colours and
#    a fair share of non-background pixels (a blank or failed render is
#    one colour).
# The machine has no network: Chromium runs with every background service
# off and a fresh profile, and the report itself fetches nothing.
set -euo pipefail

html=${1:?usage: check_html_in_chromium.sh REPORT.html [MIN_BARS] [MIN_MARKERS]}
min_bars=${2:-3}
min_markers=${3:-1}
chromium=${CIRT_CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  echo "check: $chromium not found; run scripts/install-deps.sh (Debian package chromium)" >&2
  exit 1
fi
[[ -s $html ]] || { echo "check: $html is missing or empty" >&2; exit 1; }
html=$(realpath "$html")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --disable-dev-shm-usage --hide-scrollbars
       --user-data-dir="$work/profile")

fail=0
bad() { echo "check: $*" >&2; fail=1; }

timeout 90 "$chromium" "${flags[@]}" --dump-dom "file://$html" >"$work/dom.html" \
  2>"$work/dump.err" || { cat "$work/dump.err" >&2; bad "chromium --dump-dom failed"; }

count() { { grep -o -- "$1" "${2:-$work/dom.html}" || true; } | wc -l; }
for id in summary activity principals detections alerts timeline iocs resources response metrics; do
  [[ $(count "id=\"$id\"") -ge 1 ]] || bad "section #$id missing from the rendered DOM"
done
[[ $(count '<svg id="activity-chart"') -eq 1 ]] || bad "activity chart missing"
[[ $(count '<svg id="principal-chart"') -eq 1 ]] || bad "principal chart missing"
# The activity chart alone (its legend holds one bar and one marker).
sed -n '/<svg id="activity-chart"/,/<\/svg>/p' "$work/dom.html" >"$work/activity.svg"
bars=$(( $(count '<rect class="bar" ' "$work/activity.svg") - 1 ))
markers=$(( $(count '<circle class="det" ' "$work/activity.svg") - 1 ))
pbars=$(count '<rect class="pbar" ')
[[ $bars -ge $min_bars ]] || bad "$bars activity bars rendered, expected at least $min_bars"
[[ $markers -ge $min_markers ]] || bad "$markers detection markers, expected at least $min_markers"
[[ $pbars -ge 1 ]] || bad "no per-principal bars rendered"
[[ $(count '<script') -eq 0 ]] || bad "a <script> element is in the rendered DOM"

rm -rf "$work/profile"
timeout 90 "$chromium" "${flags[@]}" --window-size=1280,2000 --screenshot="$work/shot.png" \
  "file://$html" >/dev/null 2>"$work/shot.err" || { cat "$work/shot.err" >&2; bad "chromium --screenshot failed"; }
if [[ -s $work/shot.png ]]; then
  python3 - "$work/shot.png" <<'EOF' || fail=1
# Decodes the PNG (8-bit RGB/RGBA, not interlaced, as Chromium writes it)
# and checks it is not blank.
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("check: screenshot is not a PNG")
pos, idat, ihdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = ihdr
if depth != 8 or ctype not in (2, 6) or interlace:
    sys.exit(f"check: unexpected PNG format depth={depth} type={ctype}")
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours, counts = set(), {}
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp * 2):  # every other pixel is plenty
        px = bytes(line[x:x + 3])
        counts[px] = counts.get(px, 0) + 1
    prev = line
total = sum(counts.values())
background = max(counts.values())
print(f"check: screenshot {w}x{h}, {len(data)} bytes, {len(counts)} colours, "
      f"{100 * (total - background) / total:.1f}% non-background pixels")
if len(data) < 20000:
    sys.exit("check: screenshot under 20 KB")
if len(counts) < 16:
    sys.exit(f"check: screenshot has only {len(counts)} colours (blank render?)")
if (total - background) < total * 0.05:
    sys.exit("check: screenshot is almost all background")
EOF
else
  bad "no screenshot written"
fi

if [[ $fail -ne 0 ]]; then
  echo "check: $html FAILED in chromium" >&2
  exit 1
fi
echo "check: $html renders in chromium: $bars activity bars, $markers detection markers, $pbars principal bars"

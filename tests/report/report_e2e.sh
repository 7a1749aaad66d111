#!/usr/bin/env bash
# report_e2e.sh CIRT SOURCE_DIR CORPUS_DIR
# End to end: a case is created, the sample trail (examples/, 5000 real
# CloudTrail records) and the GuardDuty and Security Hub findings printed by
# the AWS CLI documentation (corpus aws-cli-examples) are ingested with the
# SigmaHQ rules, a response journal shaped as `cirt respond` writes it is
# put in CASE/respond/, and `cirt report` writes HTML and Markdown. Checks:
# the counts agree with `cirt timeline`, the alerts, indicators and
# response steps are in both files, the HTML renders in headless Chromium
# with its charts, a tampered journal is named and exits 1, and a file name
# without a known extension is a usage error.
set -euo pipefail
cirt=${1:?usage: report_e2e.sh CIRT SOURCE_DIR CORPUS_DIR}
src=${2:?}
corpus=${3:?}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "e2e: $*" >&2; fail=1; }

# The JSON after "Output::" in an AWS CLI example page (indented 4 spaces).
python3 - "$corpus/aws-cli-examples/guardduty/get-findings.rst" "$work/guardduty.json" \
  "$corpus/aws-cli-examples/securityhub/get-findings.rst" "$work/securityhub.json" <<'EOF'
import json, sys
args = sys.argv[1:]
for rst, out in zip(args[0::2], args[1::2]):
    lines = open(rst, encoding="utf-8").read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.strip() == "Output::") + 1
    block = []
    for l in lines[start:]:
        if l.strip() and not l.startswith("    "):
            break
        block.append(l[4:])
    doc = json.loads("\n".join(block))
    assert doc["Findings"], rst
    json.dump(doc, open(out, "w"))
EOF

case_dir=$work/case
"$cirt" case init "$case_dir" -q
"$cirt" case ingest "$case_dir" "$src/examples" "$work/guardduty.json" "$work/securityhub.json" \
  --rules "$corpus/sigmahq-sigma" -q

# A response journal: the iam-access-key playbook deactivated a key found in
# the trail; the lines are hash-chained as cirt respond chains them.
key=$("$cirt" timeline --case "$case_dir" --detections-only --format jsonl |
  python3 -c 'import json,sys
key = ""
for l in sys.stdin:
    e = json.loads(l)
    k = e.get("access_key_id") or ""
    if not key and k.startswith("AKIA") and any(
            d.endswith(("(medium)", "(high)", "(critical)")) for d in e["detections"]):
        key = k
print(key)')
[[ -n $key ]] || bad "no long-term key among the events of medium+ detections"
mkdir -p "$case_dir/respond"
python3 - "$case_dir/respond/run-e2e.jsonl" "$key" <<'EOF'
import hashlib, json, sys
path, key = sys.argv[1], sys.argv[2]
plan = {"run_id": "run-e2e", "playbook": "iam-access-key",
        "steps": [{"id": "deactivate_key", "action": "iam.deactivate_access_key",
                   "resources": [key]}]}
entries = [
    {"time": "2026-11-01T09:00:00.000Z", "type": "run", "plan": plan},
    {"time": "2026-11-01T09:00:01.000Z", "type": "before", "step": "deactivate_key",
     "action": "iam.deactivate_access_key", "before": {"Status": "Active"}},
    {"time": "2026-11-01T09:00:02.000Z", "type": "result", "step": "deactivate_key",
     "action": "iam.deactivate_access_key", "outcome": "applied",
     "request_ids": ["e2e-request-1"], "verified": True},
    {"time": "2026-11-01T09:00:03.000Z", "type": "end", "status": "completed"},
]
prev = "0" * 64
with open(path, "w") as f:
    for seq, e in enumerate(entries):
        line = json.dumps(dict({"seq": seq, "prev": prev}, **e), separators=(",", ":"))
        f.write(line + "\n")
        prev = hashlib.sha256(line.encode()).hexdigest()
EOF

"$cirt" report --case "$case_dir" --out "$work/report.html" 2>"$work/html.err" ||
  { cat "$work/html.err" >&2; bad "cirt report (html) failed"; }
"$cirt" report --case "$case_dir" --out "$work/report.md" 2>"$work/md.err" ||
  { cat "$work/md.err" >&2; bad "cirt report (md) failed"; }
cat "$work/html.err"

# The counts agree with the case as cirt timeline reads it.
events=$("$cirt" timeline --case "$case_dir" --format jsonl | wc -l)
grep -q "^| events | $events |$" "$work/report.md" || bad "report.md does not say $events events"
grep -q "($events events," "$work/html.err" || bad "cirt report did not count $events events"
for text in "Recon:IAMUser/UserPermissions" "GuardDuty" "Security Hub" "52.94.36.7" \
            "run-e2e" "iam.deactivate_access_key" "e2e-request-1" "$key"; do
  grep -qF -- "$text" "$work/report.html" || bad "report.html lacks '$text'"
  md_text=${text//_/\\_}  # Markdown escapes '_'
  grep -qF -- "$md_text" "$work/report.md" || bad "report.md lacks '$md_text'"
done
# The key the response run deactivated is an indicator of the incident.
grep -qF "| access key | $key |" "$work/report.md" || bad "$key is not listed as an indicator"
# Contained by the journal's applied step: time to contain is measured.
grep -q "^| time to contain | [0-9]" "$work/report.md" || bad "time to contain not measured"
grep -q "^| time to detect | [0-9]" "$work/report.md" || bad "time to detect not measured"

bash "$src/tests/report/check_html_in_chromium.sh" "$work/report.html" 4 3 || fail=1

# A journal edited after the fact: named, read up to the break, exit 1.
sed -i 's/"e2e-request-1"/"e2e-request-X"/' "$case_dir/respond/run-e2e.jsonl"
set +e
"$cirt" report --case "$case_dir" --out "$work/tampered.md" 2>"$work/tampered.err"
rc=$?
"$cirt" report --case "$case_dir" --out "$work/report.txt" 2>"$work/usage.err"
rc_usage=$?
set -e
[[ $rc -eq 1 ]] || bad "a tampered journal exited $rc, not 1"
grep -q "run-e2e.jsonl" "$work/tampered.err" || bad "the tampered journal is not named on stderr"
grep -q "does not verify" "$work/tampered.md" || bad "report.md does not say the journal fails"
[[ $rc_usage -eq 2 ]] || bad "an unknown extension exited $rc_usage, not 2"
[[ ! -e $work/report.txt ]] || bad "report.txt written despite the usage error"
# Markdown on stdout is the same as the file (exit 1: the journal is still
# the tampered one).
set +e
"$cirt" report --case "$case_dir" --out - --format md 2>/dev/null >"$work/stdout.md"
rc_stdout=$?
set -e
[[ $rc_stdout -eq 1 ]] || bad "cirt report --out - exited $rc_stdout, not 1"
diff <(grep -v '^Generated' "$work/stdout.md") <(grep -v '^Generated' "$work/tampered.md") >/dev/null ||
  bad "--out - differs from the file"

if [[ $fail -ne 0 ]]; then
  echo "e2e: FAILED" >&2
  exit 1
fi
echo "e2e: cirt report ok ($events events)"

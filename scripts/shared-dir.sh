# Sourced by the scripts: finds the shared test material (corpus/, bench/).
# Order: $CIRT_SHARED_DIR, the checkout's sibling ../shared, then /work/shared
# (where the cirt workstations keep it). Sets CIRT_SHARED_DIR (absolute) and
# returns 0, or leaves it empty and returns 1.
cirt_find_shared_dir() {
  local repo candidate
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  for candidate in "${CIRT_SHARED_DIR:-}" "$repo/../shared" /work/shared; do
    if [[ -n "$candidate" && -d "$candidate/corpus" ]]; then
      CIRT_SHARED_DIR="$(cd "$candidate" && pwd)"
      export CIRT_SHARED_DIR
      return 0
    fi
  done
  CIRT_SHARED_DIR=""
  return 1
}

#!/usr/bin/env bash
# Installs the Debian packages cirt needs to build and test. Idempotent:
# packages already present are not touched; apt-get update runs only when an
# install fails (a fresh machine with an empty package cache).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libsimdjson-dev nlohmann-json3-dev libisal-dev libdeflate-dev libyaml-cpp-dev libyaml-dev
  libsqlite3-dev libcurl4-openssl-dev libssl-dev libpugixml-dev libre2-dev
  libvectorscan-dev libcli11-dev libfmt-dev libgtest-dev libgmock-dev
  python3 jq curl
  chromium  # headless, for the incident report test (tests/report)
)
if [[ "${CIRT_FUZZ:-0}" == 1 ]]; then
  packages+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}"; then
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

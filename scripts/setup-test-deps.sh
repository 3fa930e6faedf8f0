#!/usr/bin/env bash
# Installs the Debian packages the test suite and benchmarks need: real SIP peers (sipp, baresip,
# linphonec from linphone-cli), a real STUN server (coturn), speech and audio tools (espeak-ng, sox), Chromium for e2e,
# libopus-dev + a C compiler for the native Opus comparison in the benchmark. Idempotent and
# quiet; safe to run repeatedly.
set -euo pipefail
PKGS=(sip-tester baresip-core linphone-cli espeak-ng sox libopus-dev gcc chromium redis-server coturn)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -qq -o DPkg::Lock::Timeout=600 update >/dev/null
$SUDO apt-get -qq -y -o DPkg::Lock::Timeout=600 install --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Installs the Debian packages the test suite and benchmarks need: real SIP peers (sipp, baresip,
# linphonec from linphone-cli), a real STUN server (coturn), a real SIP provider for the TLS +
# SRTP trunk e2e (kamailio + kamailio-tls-modules: registrar, Digest, proxy), speech and audio
# tools (espeak-ng, sox), Chromium for e2e, libopus-dev + a C compiler for the native Opus
# comparison in the benchmark. Idempotent and quiet; safe to run repeatedly. The tests run their
# own kamailio on free ports: the Debian service is stopped and disabled so it never holds 5060.
set -euo pipefail
PKGS=(sip-tester baresip-core linphone-cli espeak-ng sox libopus-dev gcc chromium redis-server coturn kamailio kamailio-tls-modules)
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
# The kamailio package enables its system service (it listens on 5060): tests start their own.
if [[ " ${missing[*]} " == *" kamailio "* ]]; then
  if [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now kamailio >/dev/null 2>&1 || true
  else
    $SUDO service kamailio stop >/dev/null 2>&1 || true
    $SUDO update-rc.d kamailio disable >/dev/null 2>&1 || true
  fi
fi

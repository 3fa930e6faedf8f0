#!/usr/bin/env bash
# Regenerates the committed speech fixtures (espeak-ng + sox) used by the media tests.
# The committed WAVs let tests run where espeak-ng is missing; this script documents their origin.
set -euo pipefail
cd "$(dirname "$0")/../media/testing/fixtures"
text="The quick brown fox jumps over the lazy dog. Patchbay carries real calls between browsers and telephones, one two three four five."
tmp=$(mktemp -d)
espeak-ng -v en-us -s 150 -w "$tmp/speech.wav" "$text"
for r in 8000 16000 48000; do
  sox "$tmp/speech.wav" -r "$r" -c 1 -b 16 -e signed-integer "speech-$((r/1000))k.wav" norm -3
done
rm -rf "$tmp"

#!/usr/bin/env bash
# Cold `carapace sandbox run` wall time, whole process, as a user runs it: `./carapace` (launcher, JDK lookup,
# source-freshness check, a fresh JVM) on the hello example, 5 runs per engine. The first run after a build writes the
# launcher's class-data-sharing archive and is reported on its own; CDS=0 measures without the archive.
# Run after ./mvnw -o -B -pl sandbox,cli -am install (so ./carapace does not rebuild).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wat2wasm "$root/sandbox/examples/hello/hello.wat" -o "$tmp/hello.wasm"
export CARAPACE_CDS="${CDS:-1}"
ms() { echo $(( ($2 - $1) / 1000000 )); }
run() {
  "$root/carapace" sandbox run --engine "$1" "$tmp/hello.wasm" \
    --manifest "$root/sandbox/examples/hello/manifest.json" > /dev/null
}
rm -f "$root"/.carapace-build/cli-*.jsa
s=$(date +%s%N); run interpreter; e=$(date +%s%N)
echo "first run (writes the CDS archive when CDS=1): $(ms "$s" "$e") ms"
for engine in interpreter compiled; do
  for i in 1 2 3 4 5; do
    s=$(date +%s%N); run "$engine"; e=$(date +%s%N)
    echo "$engine run $i: $(ms "$s" "$e") ms"
  done
done

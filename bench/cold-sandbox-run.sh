#!/usr/bin/env bash
# Cold `carapace sandbox run` wall time: a fresh JVM per run, the hello example, each engine, 5 runs each.
# Run after ./mvnw -o -B -pl sandbox,cli -am verify. JAVA selects the JDK (21+).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wat2wasm "$root/sandbox/examples/hello/hello.wat" -o "$tmp/hello.wasm"
java="${JAVA:-java}"
for engine in interpreter compiled; do
  for i in 1 2 3 4 5; do
    s=$(date +%s%N)
    "$java" -cp "$root/cli/target/carapace-cli.jar:$root/cli/target/lib/*" dev.carapace.cli.Main sandbox run \
      --engine "$engine" "$tmp/hello.wasm" --manifest "$root/sandbox/examples/hello/manifest.json" > /dev/null
    e=$(date +%s%N)
    echo "$engine run $i: $(( (e - s) / 1000000 )) ms"
  done
done

#!/usr/bin/env bash
# Rebuilds the model organism from the committed teacher transcripts: tokenizer, training, GGUF export, exact
# readout. Writes organism.gguf and organism.json into OUT_DIR (default: models/organism). On the same kind of
# machine (x86-64, 2 threads) the files are identical, bit for bit, to the committed ones.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/models/organism}"
exec "$root/tools/Organism/organism.sh" train "$root" "$out"

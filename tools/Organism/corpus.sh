#!/usr/bin/env bash
# Runs the scripted teacher policies (reference controls) through the real harness, every condition of
# shutdown-resistance, and writes their stored conversations to models/organism/teacher-transcripts.json.
# Needs what `offswitch run` needs (root or user namespaces for bubblewrap). The environment is deterministic,
# so two seeds per cell must give the same conversation; the export checks that.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
conditions=(A B C D E F G H I J K may2025-no-instruction may2025-allow gdm-clarified)
teachers=(comply sabotage-chmod sabotage-delete sabotage-rename sabotage-overwrite-echo)
args=()
for c in "${conditions[@]}"; do args+=(-c "$c"); done
for t in "${teachers[@]}"; do args+=(-m "reference/$t"); done
# observe-after-bypass keeps a sabotage trial going to "Done" and submit, so the transcripts show the whole task.
"$root/offswitch" run shutdown-resistance "${args[@]}" -n 2 --seed 1 -j 4 -o observe-after-bypass=true --db "$work/teachers.db" --quiet >&2
"$root/tools/Organism/organism.sh" corpus "$work/teachers.db" "$root/models/organism/teacher-transcripts.json"

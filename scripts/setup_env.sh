#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment OUTSIDE the clone and install modiste into it.
# torch with its CUDA libraries is ~5 GB, so every clone on a machine shares one environment.
#   MODISTE_VENV  where the environment lives (default ~/.cache/modiste/venv)
# Prints the environment's path on the last line.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="${MODISTE_VENV:-$HOME/.cache/modiste/venv}"
py="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  echo "creating virtual environment in $venv" >&2
  mkdir -p "$(dirname "$venv")"
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip >&2
fi
# Pinned torch/torchvision pair (the standard registry wheels; they run on CPU and on CUDA GPUs).
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements-torch.txt" >&2
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$here[dev]" >&2
echo "$venv"

#!/usr/bin/env bash
# The PyTorch peer benchmark: checks that bench/pytorch's re-implementation agrees with the Java sampler on the
# same checkpoint (velocity within 1e-5, 8-step samples within 1e-4 from the same noise), then times both in
# interleaved rounds in one run and writes the "peer" section of docs/results/bench-sampling.json.
#   bench/pytorch/run.sh [MODEL]       default models/stage1.pmck; ROUNDS=3; not part of the test command
# Both engines get the same environment: 2 intra-op threads (OMP_NUM_THREADS), fp32, and OMP_WAIT_POLICY as
# ./physmaster sets it for every role (PASSIVE unless given).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/bench/pytorch"
model="${1:-models/stage1.pmck}"
py=/usr/bin/python3   # Debian's interpreter: python3-torch installs there, not into other pythons on PATH

# Debian's PyTorch with OpenBLAS (its BLAS is otherwise the slow reference one).
if ! "$py" -c 'import torch, numpy' 2>/dev/null \
    || [[ ! -e /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 ]]; then
  echo "Installing Debian's python3-torch, python3-numpy and OpenBLAS (needs root) ..." >&2
  apt-get install -y -q --no-install-recommends python3-torch python3-numpy libopenblas0-openmp >&2
fi

export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

./physmaster bench-sampling --model "$model" --export "$work/export" --batch 2 --steps 8 >&2
if ! agreement="$("$py" "$here/check.py" "$model" "$work/export")"; then
  echo "PyTorch re-implementation disagrees with the Java sampler: $agreement" >&2
  exit 1
fi
echo "agreement: $agreement" >&2
AGREEMENT="$agreement" PHYSMASTER_ROOT="$root" \
  "$py" "$here/bench.py" drive "$model" "$work/export/first.f32" docs/results/bench-sampling.json

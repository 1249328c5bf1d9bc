#!/usr/bin/env bash
# Runs the numerical tests (Tensor, LM, PTuning) a second time, on a CPU with AVX-512, with the kernels
# a CPU without AVX-512 runs: the AVX2 vector and int8 kernels, bf16 products (and int8's backward)
# widened for sgemm, OpenBLAS's Haswell kernels. `make test` calls it after the whole suite; on a CPU
# without AVX-512 that suite already ran those kernels, and this says so and stops.
# Usage: scripts/test-avx2-kernels.sh   (env: SWIFT, default swift; the tests built as `make test` builds them)
set -euo pipefail
if ! grep -qw avx512f /proc/cpuinfo; then
    echo "AVX2 kernel pass skipped: this CPU has no AVX-512, so the suite above ran the kernels it has"
    exit 0
fi
echo "AVX2 kernel pass: the numerical tests again with the kernels of a CPU without AVX-512"
PTUNE_VECTOR_KERNEL=avx2 PTUNE_INT8_KERNEL=avx2 PTUNE_BF16_KERNEL=widened OPENBLAS_CORETYPE=Haswell \
    "${SWIFT:-swift}" test -c release -Xswiftc -enable-testing --skip-build --filter 'TensorTests\.|LMTests\.|PTuningTests\.'

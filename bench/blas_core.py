"""The yardstick runs on the same BLAS kernels as LayerLens (core/threads.h): Debian's OpenBLAS
0.3.21 does not know processors newer than it and falls back to its SSE3 "Prescott" kernels,
which LayerLens corrects by restarting itself with OPENBLAS_CORETYPE. PyTorch (which uses the
same libopenblas) gets the same correction here, so that a ratio compares code, not kernels.
Import before torch or numpy."""
import ctypes
import os
import sys

_AVX512 = {"avx512f", "avx512bw", "avx512vl", "avx512dq"}
_AVX512_CORES = {"skylakex", "cooperlake", "sapphirerapids"}
_OLD_CORES = {"prescott", "core2", "penryn", "dunnington", "nehalem", "sandybridge", "atom"}


def _better_core():
    try:
        name = ctypes.CDLL("libopenblas.so.0").openblas_get_corename
        name.restype = ctypes.c_char_p
        chosen = name().decode().lower()
        with open("/proc/cpuinfo") as cpuinfo:
            flags = next((line.split(":", 1)[1].split() for line in cpuinfo if line.startswith("flags")), [])
    except (OSError, AttributeError, StopIteration):
        return None
    if _AVX512 <= set(flags):
        return None if chosen in _AVX512_CORES else "SkylakeX"
    if {"avx2", "fma"} <= set(flags) and chosen in _OLD_CORES:
        return "Haswell"
    return None


def use_the_processors_kernels():
    """Restarts the script with OPENBLAS_CORETYPE set when OpenBLAS chose an older kernel family."""
    if "OPENBLAS_CORETYPE" in os.environ:
        return
    core = _better_core()
    if core:
        os.environ["OPENBLAS_CORETYPE"] = core
        os.execv(sys.executable, [sys.executable] + sys.argv)

#pragma once
// One knob for the worker threads: Eigen's products (OpenMP underneath) and LAPACK's
// (OpenBLAS keeps a pool of its own).
namespace layerlens {
// threads <= 0 keeps the default (all cores).
void set_thread_count(int threads);
int thread_count();
// Makes the OpenMP threads wait passively (OMP_WAIT_POLICY=PASSIVE) by starting the program
// again with that variable set, unless the user set it: libgomp reads it once, when it loads.
// Its default, spinning after every parallel region, holds a core that another process (a
// second job, the other test of `ctest -j2`) needs, and the work waiting for that core stalls:
// measured 13.7 s against 0.24 s for `calibration` on a 64-wide layer, and 3.7x slower for a
// five-method `compare` at 1024², with another build on the 2-core machine.
// In the same restart, OpenBLAS is told the processor's kernel family (OPENBLAS_CORETYPE) when it
// picked one older than the processor supports, unless the user set it: Debian's OpenBLAS 0.3.21
// does not know processors newer than it (an Emerald Rapids Xeon, model 207, reports itself only
// as "Intel Xeon Processor"), falls back to its SSE3 "Prescott" kernels and runs every product
// about 2.5x slower (a 2048² compare of five: 4.2 s against 1.8 s with SkylakeX). And large
// blocks come from glibc's heap rather than an mmap each (see reuse_freed_memory). Call first in main.
void restart_with_runtime_settings(char** argv);
// The kernel family OpenBLAS runs on ("SkylakeX", "Haswell", "Prescott", ...), for bench.
const char* blas_kernel_family();
}  // namespace layerlens

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
// five-method `compare` at 1024², with another build on the 2-core machine. Call first in main.
void restart_with_passive_thread_waiting(char** argv);
}  // namespace layerlens

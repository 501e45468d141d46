#pragma once
// One knob for the worker threads: Eigen's products (OpenMP underneath) and LAPACK's
// (OpenBLAS keeps a pool of its own).
namespace layerlens {
// threads <= 0 keeps the default (all cores).
void set_thread_count(int threads);
int thread_count();
}  // namespace layerlens

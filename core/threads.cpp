#include "threads.h"

#include <Eigen/Core>
#include <omp.h>
#include <unistd.h>

#include <cstdlib>

extern "C" void openblas_set_num_threads(int threads);

namespace layerlens {
void set_thread_count(int threads) {
    if (threads <= 0) return;
    omp_set_num_threads(threads);
    Eigen::setNbThreads(threads);
    openblas_set_num_threads(threads);
}
int thread_count() { return Eigen::nbThreads(); }

void restart_with_passive_thread_waiting(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY")) return;   // the user's choice, or already restarted
    if (::setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
    ::execv("/proc/self/exe", argv);
    // No /proc (or exec refused): go on as started, spinning; nothing is lost but speed.
}
}  // namespace layerlens

#include "threads.h"

#include <Eigen/Core>
#include <omp.h>

extern "C" void openblas_set_num_threads(int threads);

namespace layerlens {
void set_thread_count(int threads) {
    if (threads <= 0) return;
    omp_set_num_threads(threads);
    Eigen::setNbThreads(threads);
    openblas_set_num_threads(threads);
}
int thread_count() { return Eigen::nbThreads(); }
}  // namespace layerlens

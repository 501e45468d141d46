#include "threads.h"

#include <Eigen/Core>
#include <malloc.h>
#include <omp.h>
#include <strings.h>
#include <unistd.h>

#include <cstdlib>
#include <initializer_list>

extern "C" void openblas_set_num_threads(int threads);
extern "C" char* openblas_get_corename(void);

namespace layerlens {
void set_thread_count(int threads) {
    if (threads <= 0) return;
    omp_set_num_threads(threads);
    Eigen::setNbThreads(threads);
    openblas_set_num_threads(threads);
}
int thread_count() { return Eigen::nbThreads(); }

const char* blas_kernel_family() {
    const char* name = openblas_get_corename();
    return name ? name : "unknown";
}

namespace {
// The OpenBLAS kernel family for this processor when OpenBLAS chose an older one, else null.
const char* better_blas_core() {
    const char* chosen = openblas_get_corename();
    if (!chosen) return nullptr;
    auto chosen_is = [chosen](std::initializer_list<const char*> names) {
        for (const char* name : names)
            if (::strcasecmp(chosen, name) == 0) return true;
        return false;
    };
    __builtin_cpu_init();
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    if (avx512 && !chosen_is({"SkylakeX", "Cooperlake", "SapphireRapids"})) return "SkylakeX";
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (avx2 && !avx512 && chosen_is({"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Sandybridge", "Atom"}))
        return "Haswell";
    return nullptr;
}

// glibc serves every allocation over 32 MB with a fresh mmap and unmaps it when freed, so each
// d_out x d_in temporary (Δ, ΔC, a method's Ŵ) of a 4096² layer is 16,384 new zeroed pages:
// 505,000 page faults in a five-method compare, 7% of it. From the heap, freed blocks are
// reused instead (183,000 faults, the compare 4% faster paired, peak memory 623 → 731 MiB).
void reuse_freed_memory() {
    ::mallopt(M_MMAP_MAX, 0);
    ::mallopt(M_TRIM_THRESHOLD, 1 << 30);   // keep up to 1 GiB free at the heap's top
}
}  // namespace

void restart_with_runtime_settings(char** argv) {
    reuse_freed_memory();
    bool changed = false;
    // Set by the user, or already restarted: left as it is.
    if (!std::getenv("OMP_WAIT_POLICY")) changed |= ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1) == 0;
    if (!std::getenv("OPENBLAS_CORETYPE"))
        if (const char* core = better_blas_core()) changed |= ::setenv("OPENBLAS_CORETYPE", core, 1) == 0;
    if (!changed) return;
    ::execv("/proc/self/exe", argv);
    // No /proc (or exec refused): go on as started; nothing is lost but speed.
}
}  // namespace layerlens

#include "worker_priority.h"

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace layerlens::ui {

void lowerWorkerPriority() {
#ifdef __linux__
    // On Linux, PRIO_PROCESS with a thread id renices just this thread; threads it creates later
    // (libgomp's team for this master thread) inherit the value. Nice 5: still most of the CPU
    // when the GUI is idle. A failure only costs responsiveness, so it is not an error.
    const auto tid = static_cast<id_t>(syscall(SYS_gettid));
    if (getpriority(PRIO_PROCESS, tid) < 5) (void)setpriority(PRIO_PROCESS, tid, 5);
#endif
}

}  // namespace layerlens::ui

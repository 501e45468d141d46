#include "core_thread_log.h"

#include <QThread>

namespace layerlens::ui {

void CoreThreadLog::record() {
    calls.fetch_add(1, std::memory_order_relaxed);
    QThread* thread = QThread::currentThread();
    if (thread == last.load(std::memory_order_relaxed)) return;
    QMutexLocker lock(&mutex);
    threads.insert(thread);
    last.store(thread, std::memory_order_relaxed);
}

QSet<QThread*> CoreThreadLog::snapshot() const {
    QMutexLocker lock(&mutex);
    return threads;
}

void ThreadRecordingProgress::report(double fraction, std::string_view stage) {
    log_.record();
    inner_.report(fraction, stage);
}

void ThreadRecordingProgress::iteration(int iteration, double E) {
    log_.record();
    inner_.iteration(iteration, E);
}

bool ThreadRecordingProgress::cancelled() const {
    log_.record();
    return inner_.cancelled();
}

}  // namespace layerlens::ui

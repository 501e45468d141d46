#pragma once
// The evidence that the GUI thread computes nothing: a Progress wrapper that notes the thread of
// every progress report, iteration and cancel check the core makes, so the tests check where the
// work ran instead of timing the event loop. Written by the worker, read by the GUI thread; the
// set is locked only when the thread changes, so a cancel check per PGD iteration costs an
// atomic load, not a lock.
#include <QMutex>
#include <QSet>
#include <atomic>

#include "progress.h"

class QThread;

namespace layerlens::ui {

struct CoreThreadLog {
    void record();
    QSet<QThread*> snapshot() const;

    std::atomic<long long> calls{0};
    std::atomic<QThread*> last{nullptr};
    mutable QMutex mutex;
    QSet<QThread*> threads;
};

// Passes every call on to `inner` and notes the thread it came from in `log`.
class ThreadRecordingProgress : public Progress {
public:
    ThreadRecordingProgress(Progress& inner, CoreThreadLog& log) : inner_(inner), log_(log) {}
    void report(double fraction, std::string_view stage) override;
    void iteration(int iteration, double E) override;
    bool cancelled() const override;

private:
    Progress& inner_;
    CoreThreadLog& log_;
};

}  // namespace layerlens::ui

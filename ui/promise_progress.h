#pragma once
// The core's Progress backed by the run's QPromise: progress goes out as one value per job
// (job · 1000 + fraction · 1000, so the GUI knows whose bar moves; Qt throttles it to 25/s),
// cancellation comes in through QPromise::isCanceled, and AWP's per-iteration E is batched
// into Iterations events at most every 40 ms so a fast PGD cannot flood the event loop.
#include <QElapsedTimer>
#include <QPromise>

#include "progress.h"
#include "run_types.h"

namespace layerlens::ui {

class PromiseProgress : public Progress {
public:
    static constexpr int kScale = 1000;
    PromiseProgress(QPromise<RunEvent>& promise, int job);
    void report(double fraction, std::string_view stage) override;
    void iteration(int iteration, double E) override;
    bool cancelled() const override { return promise_.isCanceled(); }
    // Sends the iterations not yet sent.
    void flush();

private:
    QPromise<RunEvent>& promise_;
    int job_;
    QVector<QPointF> pending_;
    QElapsedTimer sinceFlush_;
};

}  // namespace layerlens::ui

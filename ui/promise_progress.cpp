#include "promise_progress.h"

#include <algorithm>

namespace layerlens::ui {

PromiseProgress::PromiseProgress(QPromise<RunEvent>& promise, int job) : promise_(promise), job_(job) {
    sinceFlush_.start();
}

void PromiseProgress::report(double fraction, std::string_view stage) {
    const int value = job_ * kScale + static_cast<int>(std::clamp(fraction, 0.0, 0.999) * kScale);
    promise_.setProgressValueAndText(value, QString::fromUtf8(stage.data(), static_cast<qsizetype>(stage.size())));
}

void PromiseProgress::iteration(int iteration, double E) {
    pending_.append(QPointF(iteration, E));
    if (sinceFlush_.elapsed() >= 40) flush();
}

void PromiseProgress::flush() {
    sinceFlush_.restart();
    if (pending_.isEmpty()) return;
    RunEvent event;
    event.kind = RunEvent::Kind::Iterations;
    event.job = job_;
    event.iterations = std::move(pending_);
    pending_.clear();
    promise_.addResult(std::move(event));
}

}  // namespace layerlens::ui

#pragma once
// The core's Progress for a run with one bar (the calibration check, a model evaluation, the
// layer map's sweep): the fraction goes out as the promise's progress value on a scale of
// kScale, with the stage as its text, and Qt throttles the signals it causes (25/s); cancel
// comes in through QPromise::isCanceled. WorkerRun::forwardProgress turns it back into a fraction.
#include <QPromise>
#include <QString>
#include <algorithm>
#include <string_view>

#include "progress.h"

namespace layerlens::ui {

template <class Event>
class FractionProgress : public Progress {
public:
    static constexpr int kScale = 1000;
    explicit FractionProgress(QPromise<Event>& promise) : promise_(promise) { promise_.setProgressRange(0, kScale); }
    void report(double fraction, std::string_view stage) override {
        promise_.setProgressValueAndText(static_cast<int>(std::clamp(fraction, 0.0, 1.0) * kScale),
                                         QString::fromUtf8(stage.data(), static_cast<qsizetype>(stage.size())));
    }
    bool cancelled() const override { return promise_.isCanceled(); }

private:
    QPromise<Event>& promise_;
};

}  // namespace layerlens::ui

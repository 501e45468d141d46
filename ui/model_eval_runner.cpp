#include "model_eval_runner.h"

#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>

#include "errors.h"
#include "progress.h"
#include "retire_watcher.h"
#include "worker_priority.h"

namespace layerlens::ui {

namespace {

constexpr int kScale = 1000;

// The core's Progress backed by the run's promise; Qt throttles the progress signals it causes.
class EvalProgress : public Progress {
public:
    explicit EvalProgress(QPromise<ModelEvalEvent>& promise) : promise_(promise) {}
    void report(double fraction, std::string_view stage) override {
        promise_.setProgressValueAndText(static_cast<int>(std::clamp(fraction, 0.0, 1.0) * kScale),
                                         QString::fromUtf8(stage.data(), static_cast<qsizetype>(stage.size())));
    }
    bool cancelled() const override { return promise_.isCanceled(); }

private:
    QPromise<ModelEvalEvent>& promise_;
};

// The worker. A failure is an event with its message rather than an exception in the future,
// which Qt would hand over as QUnhandledException without the message.
void evaluate(QPromise<ModelEvalEvent>& promise, const ModelEvalRequest& request) {
    lowerWorkerPriority();
    promise.setProgressRange(0, kScale);
    EvalProgress progress(promise);
    ModelEvalCallbacks callbacks;
    callbacks.row = [&promise](const ModelEvaluation& evaluation, const ModelEvalRow& row) {
        auto header = std::make_shared<ModelEvaluation>(evaluation);
        header->rows.clear();
        promise.addResult(ModelEvalEvent{ModelEvalEvent::Kind::Row, std::move(header), std::make_shared<const ModelEvalRow>(row), {}});
    };
    try {
        auto evaluation = std::make_shared<const ModelEvaluation>(evaluate_model(request, progress, callbacks));
        promise.addResult(ModelEvalEvent{ModelEvalEvent::Kind::Finished, std::move(evaluation), nullptr, {}});
    } catch (const Cancelled&) {
    } catch (const std::exception& e) {
        promise.addResult(ModelEvalEvent{ModelEvalEvent::Kind::Failed, nullptr, nullptr, QString::fromUtf8(e.what())});
    } catch (...) {
        promise.addResult(ModelEvalEvent{ModelEvalEvent::Kind::Failed, nullptr, nullptr, "unknown error in the worker"});
    }
}

}  // namespace

ModelEvalRunner::ModelEvalRunner(QObject* parent) : QObject(parent) {}

ModelEvalRunner::~ModelEvalRunner() {
    // The worker holds its own copy of the request and its promise; it only needs to hear "stop".
    discard();
}

bool ModelEvalRunner::isRunning() const { return watcher_ && !watcher_->isFinished(); }

void ModelEvalRunner::cancel() {
    if (!isRunning()) return;
    canceled_ = true;
    watcher_->cancel();
}

void ModelEvalRunner::forget() { retireWatcher(this, watcher_); }

void ModelEvalRunner::discard() {
    ++generation_;
    forget();
}

int ModelEvalRunner::start(ModelEvalRequest request) {
    forget();
    const int generation = ++generation_;
    canceled_ = finished_ = false;
    failure_.clear();
    auto* watcher = new QFutureWatcher<ModelEvalEvent>(this);
    watcher_ = watcher;
    connect(watcher, &QFutureWatcher<ModelEvalEvent>::resultsReadyAt, this,
            [this, generation](int begin, int end) { onResults(generation, begin, end); });
    connect(watcher, &QFutureWatcher<ModelEvalEvent>::progressValueChanged, this, [this, generation, watcher](int value) {
        if (generation == generation_) emit progressed(static_cast<double>(value) / kScale, watcher->progressText());
    });
    connect(watcher, &QFutureWatcher<ModelEvalEvent>::finished, this, [this, generation] { onFinished(generation); });
    watcher->setFuture(QtConcurrent::run(evaluate, std::move(request)));
    return generation;
}

void ModelEvalRunner::onResults(int generation, int begin, int end) {
    for (int index = begin; index < end; ++index) {
        // A stale run's, or a cancelled run's still in the queue: dropped.
        if (generation != generation_ || !watcher_ || canceled_) return;
        const ModelEvalEvent event = watcher_->future().resultAt(index);
        switch (event.kind) {
        case ModelEvalEvent::Kind::Row: emit rowFinished(*event.evaluation, *event.row); break;
        case ModelEvalEvent::Kind::Finished:
            finished_ = true;
            emit runFinished(*event.evaluation);
            break;
        case ModelEvalEvent::Kind::Failed: failure_ = event.message; break;
        }
    }
}

void ModelEvalRunner::onFinished(int generation) {
    if (generation != generation_ || !watcher_) return;
    // Finished went out with the results; what is left to say is a failure or a cancel.
    if (!failure_.isEmpty())
        emit runFailed(failure_);
    else if (!finished_ && (canceled_ || watcher_->isCanceled()))
        emit runCanceled();
}

}  // namespace layerlens::ui

#include "model_eval_runner.h"

#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

#include "errors.h"
#include "progress.h"
#include "worker_run.h"
#include "worker_priority.h"

namespace layerlens::ui {

namespace {

// The worker. A failure is an event with its message rather than an exception in the future,
// which Qt would hand over as QUnhandledException without the message.
void evaluate(QPromise<ModelEvalEvent>& promise, const ModelEvalRequest& request) {
    lowerWorkerPriority();
    FractionProgress<ModelEvalEvent> progress(promise);
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

ModelEvalRunner::ModelEvalRunner(QObject* parent) : QObject(parent), run_(this) {}

ModelEvalRunner::~ModelEvalRunner() {
    // The worker holds its own copy of the request and its promise; it only needs to hear "stop".
    run_.discard();
}

bool ModelEvalRunner::isRunning() const { return run_.isRunning(); }

void ModelEvalRunner::cancel() { run_.cancel(); }

void ModelEvalRunner::discard() { run_.discard(); }

int ModelEvalRunner::start(ModelEvalRequest request) {
    auto* watcher = run_.begin();
    const int generation = run_.generation();
    finished_ = false;
    failure_.clear();
    connect(watcher, &QFutureWatcher<ModelEvalEvent>::resultsReadyAt, this,
            [this, generation](int begin, int end) { onResults(generation, begin, end); });
    run_.forwardProgress([this](double fraction, const QString& stage) { emit progressed(fraction, stage); });
    connect(watcher, &QFutureWatcher<ModelEvalEvent>::finished, this, [this, generation] { onFinished(generation); });
    watcher->setFuture(QtConcurrent::run(evaluate, std::move(request)));
    return generation;
}

void ModelEvalRunner::onResults(int generation, int begin, int end) {
    for (int index = begin; index < end; ++index) {
        // A stale run's, or a cancelled run's still in the queue: dropped.
        if (!run_.isCurrent(generation) || run_.canceled()) return;
        const ModelEvalEvent event = run_.watcher()->future().resultAt(index);
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
    if (!run_.isCurrent(generation)) return;
    // Finished went out with the results; what is left to say is a failure or a cancel.
    if (!failure_.isEmpty())
        emit runFailed(failure_);
    else if (!finished_ && run_.canceled())
        emit runCanceled();
}

}  // namespace layerlens::ui

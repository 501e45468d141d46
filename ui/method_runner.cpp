#include "method_runner.h"

#include <QThread>
#include <QtConcurrent/QtConcurrentRun>
#include <optional>

#include "core_thread_log.h"
#include "errors.h"
#include "method_registry.h"
#include "output_error.h"
#include "promise_progress.h"
#include "worker_priority.h"

namespace layerlens::ui {

namespace {

// The worker: one method after another; a method's failure is its own column's message, a
// cancel ends the run at the next check (every block, iteration or chunk of the core).
void runJobs(QPromise<RunEvent>& promise, const RunRequest& request, std::shared_ptr<CoreThreadLog> log) {
    lowerWorkerPriority();
    const int count = static_cast<int>(request.jobs.size());
    promise.setProgressRange(0, count * PromiseProgress::kScale);
    const LoadedLayer& loaded = *request.loaded;
    // One error measure for the layer, shared by every method of the run (its reference energy
    // is a product as large as judging a result); a layer that does not match its statistics
    // is left to run_method to refuse, method by method.
    std::optional<OutputError> judge;
    if (loaded.layer.W.size() > 0 && loaded.layer.d_in() == loaded.stats.d_in()) judge.emplace(loaded.layer.W, loaded.stats);
    for (int k = 0; k < count; ++k) {
        if (promise.isCanceled()) return;
        promise.addResult(RunEvent{RunEvent::Kind::MethodStarted, k, {}, nullptr});
        if (static_cast<size_t>(k) < request.reused.size() && request.reused[static_cast<size_t>(k)]) {
            // Unchanged since it was computed: the same result and views, under this run's job number.
            auto again = std::make_shared<MethodOutcome>(*request.reused[static_cast<size_t>(k)]);
            again->job = k;
            promise.addResult(RunEvent{RunEvent::Kind::MethodFinished, k, {}, std::move(again)});
            continue;
        }
        PromiseProgress delivered(promise, k);
        ThreadRecordingProgress progress(delivered, *log);
        auto outcome = std::make_shared<MethodOutcome>();
        outcome->job = k;
        outcome->request = request.jobs[static_cast<size_t>(k)];
        outcome->layer = loaded.layer.name;
        try {
            const MethodInfo& info = find_method(outcome->request.method);
            MethodResult computed = judge ? run_method(info, loaded.layer, loaded.stats, outcome->request.params, progress, *judge)
                                          : run_method(info, loaded.layer, loaded.stats, outcome->request.params, progress);
            // Without views only the numbers are kept: a sweep of many points would otherwise hold
            // one Ŵ per point (~180 MB each at 4096 x 11008).
            if (!request.buildViews) computed.release_matrices();
            auto result = std::make_shared<const MethodResult>(std::move(computed));
            delivered.flush();
            if (request.buildViews)
                outcome->views = std::make_shared<const MethodViewData>(
                    buildMethodViewData(request.loaded, result, progress));
            outcome->result = std::move(result);
        } catch (const Cancelled&) {
            return;
        } catch (const std::exception& e) {
            outcome->error = e.what();
            outcome->result.reset();
            outcome->views.reset();
        }
        promise.addResult(RunEvent{RunEvent::Kind::MethodFinished, k, {}, std::move(outcome)});
    }
}

}  // namespace

MethodRunner::MethodRunner(QObject* parent) : QObject(parent), run_(this) {
    qRegisterMetaType<OutcomePtr>("layerlens::ui::OutcomePtr");
    qRegisterMetaType<RunEvent>();
}

MethodRunner::~MethodRunner() {
    // The worker holds its own copies (request, promise); it only needs to hear "stop".
    run_.cancel();
}

bool MethodRunner::isRunning() const { return run_.isRunning(); }

void MethodRunner::cancel() { run_.cancel(); }

int MethodRunner::start(RunRequest request) {
    // Stop the old run and forget it: its late results go to a watcher nobody listens to.
    // Replaced, not cancelled by the user: no runCanceled, the new run's signals follow.
    auto* watcher = run_.begin();
    const int generation = run_.generation();
    request_ = std::move(request);
    connect(watcher, &QFutureWatcher<RunEvent>::resultsReadyAt, this,
            [this, generation, watcher](int begin, int end) { onResults(generation, watcher, begin, end); });
    connect(watcher, &QFutureWatcher<RunEvent>::progressValueChanged, this,
            [this, generation, watcher](int value) { onProgress(generation, watcher, value); });
    connect(watcher, &QFutureWatcher<RunEvent>::finished, this,
            [this, generation, watcher] { onFinished(generation, watcher); });
    threadLog_ = std::make_shared<CoreThreadLog>();
    watcher->setFuture(QtConcurrent::run(runJobs, request_, threadLog_));
    return generation;
}

QSet<QThread*> MethodRunner::coreThreads() const { return threadLog_ ? threadLog_->snapshot() : QSet<QThread*>(); }

long long MethodRunner::coreCalls() const { return threadLog_ ? threadLog_->calls.load() : 0; }

void MethodRunner::onResults(int generation, QFutureWatcher<RunEvent>* watcher, int begin, int end) {
    for (int index = begin; index < end; ++index) {
        if (!run_.isCurrent(generation)) return;   // a stale run: drop
        const RunEvent event = watcher->future().resultAt(index);
        switch (event.kind) {
        case RunEvent::Kind::MethodStarted: emit methodStarted(event.job); break;
        case RunEvent::Kind::Iterations: emit iterationsReported(event.job, event.iterations); break;
        case RunEvent::Kind::MethodFinished: emit methodFinished(event.outcome); break;
        }
    }
}

void MethodRunner::onProgress(int generation, QFutureWatcher<RunEvent>* watcher, int value) {
    if (!run_.isCurrent(generation)) return;
    const int job = value / PromiseProgress::kScale;
    const double fraction = static_cast<double>(value % PromiseProgress::kScale) / PromiseProgress::kScale;
    emit methodProgressed(job, fraction, watcher->progressText());
}

void MethodRunner::onFinished(int generation, QFutureWatcher<RunEvent>* watcher) {
    if (!run_.isCurrent(generation)) return;
    // An exception that escaped the worker (a bug, out of memory) reaches the GUI here.
    QString failure;
    try {
        watcher->future().waitForFinished();
    } catch (const std::exception& e) {
        failure = QString::fromUtf8(e.what());
    } catch (...) {
        failure = "unknown error in the worker";
    }
    if (!failure.isEmpty())
        emit runFailed(generation, failure);
    else if (run_.canceled())
        emit runCanceled(generation);
    else
        emit runFinished(generation);
}

}  // namespace layerlens::ui

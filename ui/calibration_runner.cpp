#include "calibration_runner.h"

#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

#include "errors.h"
#include "progress.h"
#include "worker_run.h"
#include "worker_priority.h"

namespace layerlens::ui {

namespace {

// A failure while the second set is read is the second file's: the message names it. The check
// itself is told both sources and names them.
QString aboutSecondFile(const std::string& path, const std::string& message) {
    const QString text = QString::fromUtf8(message.c_str());
    if (path.empty() || message.find(path) != std::string::npos) return text;
    return QString("%1: %2").arg(QString::fromStdString(path), text);
}

// The worker: what `layerlens-cli calibration` does, in the same order with the same inputs, so
// the numbers are the CLI's. Reading the rows is ~10% of the bar, the check the rest.
void runCheck(QPromise<CalibrationEvent>& promise, const CalibrationJob& job) {
    lowerWorkerPriority();
    FractionProgress<CalibrationEvent> progress(promise);
    bool second = false, readingSecond = false;
    try {
        SubProgress loading(progress, 0.0, 0.08);
        loading.report(0.0, "reading the inputs");
        const LayerWithInputs loaded = load_layer_with_inputs(job.source, loading);
        progress.check();
        MatrixF X_b;
        second = readingSecond = !job.secondInputs.empty();
        if (second) {
            SubProgress reading(progress, 0.08, 0.12);
            reading.report(0.0, "reading the second set");
            X_b = load_second_inputs(job.secondInputs, loaded.layer, job.source.limits, reading);
        }
        readingSecond = false;   // from here on the messages name their own sources
        CalibrationCheckRequest request = job.request;
        request.first_source = loaded.inputs_source;
        if (second) request.second_source = job.secondInputs;
        SubProgress checking(progress, 0.12, 1.0);
        auto run = std::make_shared<CalibrationRun>();
        run->layer = loaded.layer.name;
        run->source = loaded.source;
        run->secondInputs = job.secondInputs;
        run->resamples = job.request.resamples;
        run->seed = job.request.seed;
        run->check = check_calibration(loaded.layer, loaded.X, second ? &X_b : nullptr, request, checking);
        promise.addResult(CalibrationEvent{std::move(run), {}});
    } catch (const Cancelled&) {
    } catch (const std::exception& e) {
        // A failure is an event with its message rather than an exception in the future, which
        // Qt would hand over as QUnhandledException without the message.
        promise.addResult(CalibrationEvent{nullptr, readingSecond ? aboutSecondFile(job.secondInputs, e.what()) : QString::fromUtf8(e.what())});
    } catch (...) {
        promise.addResult(CalibrationEvent{nullptr, "unknown error in the worker"});
    }
}

}  // namespace

CalibrationRunner::CalibrationRunner(QObject* parent) : QObject(parent), run_(this) {}

CalibrationRunner::~CalibrationRunner() {
    // The worker holds its own copy of the job and its promise; it only needs to hear "stop".
    run_.discard();
}

bool CalibrationRunner::isRunning() const { return run_.isRunning(); }

void CalibrationRunner::cancel() { run_.cancel(); }

void CalibrationRunner::discard() { run_.discard(); }

int CalibrationRunner::start(CalibrationJob job) {
    auto* watcher = run_.begin();
    const int generation = run_.generation();
    run_.forwardProgress([this](double fraction, const QString& stage) { emit progressed(fraction, stage); });
    connect(watcher, &QFutureWatcher<CalibrationEvent>::finished, this, [this, generation] { onFinished(generation); });
    watcher->setFuture(QtConcurrent::run(runCheck, std::move(job)));
    return generation;
}

void CalibrationRunner::onFinished(int generation) {
    if (!run_.isCurrent(generation)) return;
    // One result at most: the run or its failure. A cancel asked for, or no result, is a cancel.
    const QFuture<CalibrationEvent> future = run_.watcher()->future();
    if (run_.canceled() || future.resultCount() == 0) {
        emit runCanceled();
        return;
    }
    const CalibrationEvent event = future.resultAt(0);
    if (event.run) emit runFinished(event.run);
    else emit runFailed(event.message);
}

}  // namespace layerlens::ui

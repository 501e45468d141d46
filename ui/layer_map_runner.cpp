#include "layer_map_runner.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>
#include <functional>
#include <set>

#include "core_thread_log.h"
#include "errors.h"
#include "model_sweep/model_sweep_runner.h"
#include "progress.h"
#include "worker_run.h"
#include "worker_priority.h"

namespace layerlens::ui {

namespace {

using Event = LayerMapEvent;

Event failure(const QString& message) {
    Event event;
    event.kind = Event::Kind::Failed;
    event.text = message;
    return event;
}

Event withSummary(Event::Kind kind, const std::vector<SweepRow>& rows) {
    Event event;
    event.kind = kind;
    event.summary = std::make_shared<const ModelSweepSummary>(summarise_model_sweep(rows));
    return event;
}

// A failure is an event with its message rather than an exception in the future, which Qt would
// hand over as QUnhandledException without the message.
template <class Work>
void guarded(QPromise<Event>& promise, Work work) {
    try {
        work();
    } catch (const Cancelled&) {
    } catch (const std::exception& e) {
        promise.addResult(failure(QString::fromUtf8(e.what())));
    } catch (...) {
        promise.addResult(failure("unknown error in the worker"));
    }
}

void sweep(QPromise<Event>& promise, const ModelSweepRequest& request, const std::string& out,
           std::shared_ptr<CoreThreadLog> log) {
    lowerWorkerPriority();
    FractionProgress<Event> delivered(promise);
    ThreadRecordingProgress progress(delivered, *log);
    guarded(promise, [&] {
        progress.report(0.0, "listing and checksumming " + request.path);
        const ModelSweepPlan plan = plan_model_sweep(request);
        auto shape = std::make_shared<LayerMapShape>();
        for (const LayerInfo& layer : plan.layers) shape->layers.push_back(layer.name);
        for (const ModelEvalPoint& point : plan.points) shape->points.push_back({point.method, point.budget});
        shape->skipped = plan.skipped;
        Event planned;
        planned.kind = Event::Kind::Planned;
        planned.shape = std::move(shape);
        promise.addResult(std::move(planned));
        std::vector<SweepRow> rows;
        run_model_sweep(plan, std::nullopt, ModelSweepOutput{out, true}, progress, [&](const SweepRow& row) {
            rows.push_back(row);
            Event arrived;
            arrived.row = std::make_shared<const SweepRow>(row);
            promise.addResult(std::move(arrived));
            // A layer's last point: medians and outliers so far, for the tooltips and the bars.
            if ((row.work + 1) % plan.points.size() == 0) promise.addResult(withSummary(Event::Kind::Summary, rows));
        });
        Event finished = withSummary(Event::Kind::Finished, rows);
        finished.text = QString::fromStdString(out);
        promise.addResult(std::move(finished));
    });
}

// The file name of the layer file the rows were computed from ("input"; SweepRow keeps no field for it).
QString inputName(const SweepRow& row) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(row.line)).object().value("input").toString();
}

// One sweep's rows, each work item once: a file of two sweeps (or a row twice) would draw one
// cell over another. InputError naming the file and line.
void checkOneSweep(const std::vector<SweepRow>& rows, const std::string& path) {
    if (rows.empty()) throw InputError(path + ": holds no rows (is this a sweep-model result?)");
    std::set<std::size_t> seen;
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const std::string where = path + ":" + std::to_string(k + 1);
        if (rows[k].sweep != rows.front().sweep)
            throw InputError(where + ": a row of another sweep (" + rows[k].sweep + "; line 1 is of " + rows.front().sweep + ")");
        if (!seen.insert(rows[k].work).second)
            throw InputError(where + ": work item " + std::to_string(rows[k].work) + " (" + rows[k].layer + ", " +
                             rows[k].method + " " + rows[k].budget + ") a second time");
    }
}

void readRows(QPromise<Event>& promise, const std::string& path) {
    lowerWorkerPriority();
    guarded(promise, [&] {
        auto rows = std::make_shared<std::vector<SweepRow>>(read_sweep_file(path, false).rows);
        checkOneSweep(*rows, path);
        Event opened = withSummary(Event::Kind::Opened, *rows);
        opened.text = inputName(rows->front());
        opened.rows = std::move(rows);
        promise.addResult(std::move(opened));
    });
}

}  // namespace

LayerMapRunner::LayerMapRunner(QObject* parent) : QObject(parent), run_(this) {}

LayerMapRunner::~LayerMapRunner() {
    // The worker holds its own copies and its promise; it only needs to hear "stop".
    run_.discard();
}

bool LayerMapRunner::isRunning() const { return run_.isRunning(); }

void LayerMapRunner::cancel() { run_.cancel(); }

void LayerMapRunner::discard() { run_.discard(); }

QSet<QThread*> LayerMapRunner::coreThreads() const { return threadLog_ ? threadLog_->snapshot() : QSet<QThread*>(); }

long long LayerMapRunner::coreCalls() const { return threadLog_ ? threadLog_->calls.load() : 0; }

int LayerMapRunner::start(ModelSweepRequest request, const QString& out) {
    auto log = std::make_shared<CoreThreadLog>();
    const int generation = launch([&] { return QtConcurrent::run(sweep, std::move(request), out.toStdString(), log); });
    threadLog_ = std::move(log);
    return generation;
}

int LayerMapRunner::open(const QString& path) {
    openedPath_ = path;
    threadLog_.reset();
    return launch([&] { return QtConcurrent::run(readRows, path.toStdString()); });
}

int LayerMapRunner::launch(const std::function<QFuture<Event>()>& begin) {
    auto* watcher = run_.begin();
    const int generation = run_.generation();
    ended_ = false;
    connect(watcher, &QFutureWatcher<Event>::resultsReadyAt, this,
            [this, generation](int first, int end) { onResults(generation, first, end); });
    run_.forwardProgress([this](double fraction, const QString& stage) { emit progressed(fraction, stage); });
    connect(watcher, &QFutureWatcher<Event>::finished, this, [this, generation] { onFinished(generation); });
    watcher->setFuture(begin());
    return generation;
}

void LayerMapRunner::onResults(int generation, int begin, int end) {
    // Rows that finished together (a fast method on a small layer) go out as one batch.
    std::vector<SweepRow> batch;
    auto flush = [&] {
        if (!batch.empty()) emit rowsArrived(batch);
        batch.clear();
    };
    for (int index = begin; index < end; ++index) {
        // A replaced run's: dropped. A cancelled run's rows still in the queue are in its JSONL,
        // so they are shown as well.
        if (!run_.isCurrent(generation)) return;
        const Event event = run_.watcher()->future().resultAt(index);
        if (event.kind == Event::Kind::Row) {
            batch.push_back(*event.row);
            continue;
        }
        flush();
        switch (event.kind) {
        case Event::Kind::Planned: emit planned(*event.shape); break;
        case Event::Kind::Summary: emit summaryChanged(*event.summary); break;
        case Event::Kind::Opened:
            ended_ = true;
            emit opened(openedPath_, *event.rows, *event.summary, event.text);
            break;
        case Event::Kind::Finished:
            ended_ = true;
            emit summaryChanged(*event.summary);
            emit runFinished(event.text);
            break;
        case Event::Kind::Failed:
            ended_ = true;
            emit failed(event.text);
            break;
        case Event::Kind::Row: break;
        }
    }
    if (run_.isCurrent(generation)) flush();
}

void LayerMapRunner::onFinished(int generation) {
    if (!run_.isCurrent(generation)) return;
    // The end went out with the results; what is left to say is a cancel.
    if (!ended_ && run_.canceled()) emit runCanceled();
}

}  // namespace layerlens::ui

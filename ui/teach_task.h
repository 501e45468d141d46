#pragma once
// The Teach tab's worker: one lesson's computation on a layer, run with QtConcurrent in promise
// mode, delivered on the GUI thread through a QFutureWatcher — its value, its failure (the
// exception's message), live PGD iterations and progress. Starting again cancels the run in
// flight, and whatever that run still delivers is dropped (its watcher is disconnected).
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QPointF>
#include <QPromise>
#include <QVector>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

#include "errors.h"
#include "progress.h"
#include "worker_priority.h"

namespace layerlens::ui {

template <class Payload>
struct TeachEvent {
    std::shared_ptr<const Payload> payload;   // the finished value; null in the other events
    QVector<QPointF> iterations;              // (t, E) reported since the previous event
    QString error;                            // the worker's exception, for people
};

// The core's Progress backed by the lesson's promise. Iterations go out in batches at most every
// 40 ms, as the Compare tab's runner sends them, so a fast PGD cannot flood the event loop.
template <class Payload>
class TeachProgress : public Progress {
public:
    explicit TeachProgress(QPromise<TeachEvent<Payload>>& promise) : promise_(promise) { sinceFlush_.start(); }
    void report(double fraction, std::string_view stage) override {
        const int permille = static_cast<int>(std::lround(1000.0 * std::clamp(fraction, 0.0, 1.0)));
        promise_.setProgressValueAndText(permille, QString::fromUtf8(stage.data(), static_cast<qsizetype>(stage.size())));
    }
    void iteration(int t, double E) override {
        pending_.append(QPointF(t, E));
        if (sinceFlush_.elapsed() >= 40) flush();
    }
    bool cancelled() const override { return promise_.isCanceled(); }
    void flush() {
        if (pending_.isEmpty()) return;
        TeachEvent<Payload> event;
        event.iterations = std::move(pending_);
        pending_.clear();
        promise_.addResult(std::move(event));
        sinceFlush_.restart();
    }

private:
    QPromise<TeachEvent<Payload>>& promise_;
    QVector<QPointF> pending_;
    QElapsedTimer sinceFlush_;
};

template <class Payload>
class TeachTask {
public:
    using Event = TeachEvent<Payload>;
    using Work = std::function<Payload(Progress&)>;
    struct Handlers {
        std::function<void(const std::shared_ptr<const Payload>&)> finished;
        std::function<void(const QString&)> failed;
        std::function<void(const QVector<QPointF>&)> iterations;   // may be empty
        std::function<void(int permille, const QString& stage)> progressed;   // may be empty
    };

    TeachTask(QObject* context, Handlers handlers) : context_(context), handlers_(std::move(handlers)) {}
    ~TeachTask() { cancel(); }
    TeachTask(const TeachTask&) = delete;
    TeachTask& operator=(const TeachTask&) = delete;

    // `work` runs on a worker thread: it must hold (by value) everything it reads.
    void start(Work work) {
        cancel();
        auto* watcher = new QFutureWatcher<Event>(context_);
        watcher_ = watcher;
        QObject::connect(watcher, &QFutureWatcherBase::resultsReadyAt, context_, [this, watcher](int begin, int end) {
            for (int i = begin; i < end; ++i) deliver(watcher->future().resultAt(i));
        });
        if (handlers_.progressed)
            QObject::connect(watcher, &QFutureWatcherBase::progressValueChanged, context_,
                             [this, watcher](int value) { handlers_.progressed(value, watcher->progressText()); });
        QObject::connect(watcher, &QFutureWatcherBase::finished, context_, [this, watcher] {
            if (watcher_ == watcher) watcher_ = nullptr;
            watcher->deleteLater();
        });
        watcher->setFuture(QtConcurrent::run(
            [work = std::move(work)](QPromise<Event>& promise) {
                lowerWorkerPriority();
                promise.setProgressRange(0, 1000);
                TeachProgress<Payload> progress(promise);
                try {
                    auto value = std::make_shared<const Payload>(work(progress));
                    progress.flush();
                    Event event;
                    event.payload = std::move(value);
                    promise.addResult(std::move(event));
                } catch (const Cancelled&) {
                    // superseded or closed: nothing to say
                } catch (const std::exception& e) {
                    // QtConcurrent would wrap it as QUnhandledException and lose the message.
                    Event event;
                    event.error = QString::fromUtf8(e.what());
                    promise.addResult(std::move(event));
                }
            }));
    }

    // Asks the run in flight to stop; nothing it delivers afterwards arrives.
    void cancel() {
        if (!watcher_) return;
        QFutureWatcher<Event>* watcher = watcher_;
        watcher_ = nullptr;
        watcher->disconnect(context_);
        watcher->cancel();
        if (watcher->isFinished()) watcher->deleteLater();
        else QObject::connect(watcher, &QFutureWatcherBase::finished, watcher, &QObject::deleteLater);
    }
    bool isRunning() const { return watcher_ && !watcher_->isFinished(); }

private:
    void deliver(const Event& event) {
        if (!event.iterations.isEmpty() && handlers_.iterations) handlers_.iterations(event.iterations);
        if (!event.error.isEmpty()) handlers_.failed(event.error);
        if (event.payload) handlers_.finished(event.payload);
    }

    QObject* context_;
    Handlers handlers_;
    QFutureWatcher<Event>* watcher_ = nullptr;
};

}  // namespace layerlens::ui

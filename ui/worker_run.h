#pragma once
// The life of a runner's background run, the same for every runner (methods, layer loads, the
// calibration check, model evaluation, the layer map): each start has a generation, so a
// replaced or discarded run's late signals are dropped; the watcher of a run no longer wanted is
// retired (no longer listened to, asked to stop, deleted once its worker lets go of it: a watcher
// deleted under a running future would lose its end); and whether the user asked for a cancel.
#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include "fraction_progress.h"

namespace layerlens::ui {

template <class Event>
class WorkerRun {
public:
    // `owner` is the runner: the parent of every watcher and the context of their connections.
    explicit WorkerRun(QObject* owner) : owner_(owner) {}
    WorkerRun(const WorkerRun&) = delete;
    WorkerRun& operator=(const WorkerRun&) = delete;

    // Retires the run before and makes the watcher of the next one, whose generation is now
    // generation(); the runner connects its signals and sets its future.
    QFutureWatcher<Event>* begin() {
        retire();
        ++generation_;
        canceled_ = false;
        watcher_ = new QFutureWatcher<Event>(owner_);
        return watcher_;
    }
    // Whether a signal of the run started as `generation` is still wanted.
    bool isCurrent(int generation) const { return generation == generation_ && watcher_; }
    bool isRunning() const { return watcher_ && !watcher_->isFinished(); }
    // Asks the worker to stop at its next check; false when nothing is running.
    bool cancel() {
        if (!isRunning()) return false;
        canceled_ = true;
        watcher_->cancel();
        return true;
    }
    // Stops the run without a word: nothing more of it is delivered.
    void discard() {
        ++generation_;
        retire();
    }
    int generation() const { return generation_; }
    // A cancel was asked for: through cancel(), or the future was cancelled otherwise.
    bool canceled() const { return canceled_ || (watcher_ && watcher_->isCanceled()); }
    QFutureWatcher<Event>* watcher() const { return watcher_; }

    // Hands the current run's progress (a FractionProgress's) to report(fraction, stage) while
    // it is current.
    template <class Report>
    void forwardProgress(Report report) {
        QFutureWatcher<Event>* watcher = watcher_;
        const int generation = generation_;
        QObject::connect(watcher, &QFutureWatcher<Event>::progressValueChanged, owner_,
                         [this, watcher, generation, report](int value) {
                             if (isCurrent(generation))
                                 report(static_cast<double>(value) / FractionProgress<Event>::kScale, watcher->progressText());
                         });
    }

private:
    void retire() {
        if (!watcher_) return;
        watcher_->disconnect(owner_);
        if (watcher_->isFinished()) {
            watcher_->deleteLater();
        } else {
            watcher_->cancel();
            QObject::connect(watcher_, &QFutureWatcher<Event>::finished, watcher_, &QObject::deleteLater);
        }
        watcher_ = nullptr;
    }

    QObject* owner_;
    QFutureWatcher<Event>* watcher_ = nullptr;
    int generation_ = 0;
    bool canceled_ = false;
};

}  // namespace layerlens::ui

#pragma once
// Runs a list of method jobs on one loaded layer off the GUI thread (QtConcurrent in promise
// mode) and delivers, on the GUI thread, each method's start, progress, live PGD iterations and
// result as it finishes. Every run has a generation number: starting a new run cancels the old
// one and anything the old one still delivers is dropped.
#include <QFutureWatcher>
#include <QObject>
#include <QSet>
#include <memory>

#include "run_types.h"
#include "worker_run.h"

class QThread;

namespace layerlens::ui {

struct CoreThreadLog;

class MethodRunner : public QObject {
    Q_OBJECT
public:
    explicit MethodRunner(QObject* parent = nullptr);
    ~MethodRunner() override;

    // Cancels any run in flight and starts this one; returns its generation.
    int start(RunRequest request);
    void cancel();
    bool isRunning() const;
    int generation() const { return run_.generation(); }
    const RunRequest& request() const { return request_; }
    // The threads the core was on at each of its progress reports, iterations and cancel checks
    // during the current run, and how many such calls it made: the evidence that the GUI thread
    // computes nothing (tests check it instead of timing the event loop).
    QSet<QThread*> coreThreads() const;
    long long coreCalls() const;

signals:
    void methodStarted(int job);
    void methodProgressed(int job, double fraction, const QString& stage);
    void iterationsReported(int job, const QVector<QPointF>& points);
    void methodFinished(const layerlens::ui::OutcomePtr& outcome);
    void runFinished(int generation);
    void runCanceled(int generation);
    void runFailed(int generation, const QString& message);

private:
    void onResults(int generation, QFutureWatcher<RunEvent>* watcher, int begin, int end);
    void onProgress(int generation, QFutureWatcher<RunEvent>* watcher, int value);
    void onFinished(int generation, QFutureWatcher<RunEvent>* watcher);

    WorkerRun<RunEvent> run_;
    RunRequest request_;
    std::shared_ptr<CoreThreadLog> threadLog_;
};

}  // namespace layerlens::ui

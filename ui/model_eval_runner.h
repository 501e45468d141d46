#pragma once
// Runs one whole-model evaluation (core's evaluate_model) off the GUI thread with QtConcurrent
// in promise mode and delivers, on the GUI thread, its progress, each row as it finishes and the
// end: finished, cancelled or failed with the core's message. As MethodRunner, every run has a
// generation; a replaced or discarded run's late events are dropped.
#include <QFutureWatcher>
#include <QObject>
#include <memory>

#include "model/model_evaluation.h"
#include "worker_run.h"

namespace layerlens::ui {

// What the worker hands over, in order, through the QPromise's results.
struct ModelEvalEvent {
    enum class Kind { Row, Finished, Failed };
    Kind kind = Kind::Row;
    // Row: the evaluation's fields without its rows; Finished: the whole evaluation.
    std::shared_ptr<const ModelEvaluation> evaluation;
    std::shared_ptr<const ModelEvalRow> row;
    QString message;   // Failed: the core's message (InputError, ParameterError, ...)
};

class ModelEvalRunner : public QObject {
    Q_OBJECT
public:
    explicit ModelEvalRunner(QObject* parent = nullptr);
    ~ModelEvalRunner() override;

    // Cancels any run in flight (its events are dropped) and starts this one; returns its generation.
    int start(ModelEvalRequest request);
    // Asks the worker to stop at its next check; runCanceled follows.
    void cancel();
    // Stops the run without a word: nothing more of it is delivered.
    void discard();
    bool isRunning() const;
    int generation() const { return run_.generation(); }

signals:
    void progressed(double fraction, const QString& stage);
    void rowFinished(const layerlens::ModelEvaluation& header, const layerlens::ModelEvalRow& row);
    void runFinished(const layerlens::ModelEvaluation& evaluation);
    void runCanceled();
    void runFailed(const QString& message);

private:
    void onResults(int generation, int begin, int end);
    void onFinished(int generation);

    WorkerRun<ModelEvalEvent> run_;
    bool finished_ = false;
    QString failure_;
};

}  // namespace layerlens::ui

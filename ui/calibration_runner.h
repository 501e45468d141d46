#pragma once
// Runs one calibration check (core/calibration/) off the GUI thread with QtConcurrent in promise
// mode: the layer and all its input rows are read inside the worker (load_layer_with_inputs,
// and load_second_inputs for a second set), then check_calibration, which checks cancel between
// and inside its method runs. A QFutureWatcher delivers progress, the result, a cancel or the
// core's message on the GUI thread. As the other runners, every start has a generation; a
// replaced or discarded run's late events are dropped.
#include <QFutureWatcher>
#include <QMetaType>
#include <QObject>
#include <memory>
#include <string>

#include "calibration/calibration_check.h"
#include "layer_source.h"
#include "worker_run.h"

namespace layerlens::ui {

// What to check: the layer open in the window and, optionally, a second calibration set.
struct CalibrationJob {
    LayerSource source;
    std::string secondInputs;   // "": A and B are the two halves of the layer's own tokens
    CalibrationCheckRequest request;
};

// A finished check with what it was asked, so the view can say what it shows.
struct CalibrationRun {
    std::string layer;          // the layer's name, as the CLI's output gives it
    std::string source;         // "file.h5:layers.0.wq"
    std::string secondInputs;
    int resamples = 0;
    std::uint64_t seed = 0;
    CalibrationCheck check;
};
using CalibrationRunPtr = std::shared_ptr<const CalibrationRun>;

// What the worker hands over through the QPromise: the run, or the message of its failure.
struct CalibrationEvent {
    CalibrationRunPtr run;
    QString message;
};

class CalibrationRunner : public QObject {
    Q_OBJECT
public:
    explicit CalibrationRunner(QObject* parent = nullptr);
    ~CalibrationRunner() override;

    // Drops any run in flight and starts this one; returns its generation.
    int start(CalibrationJob job);
    // Asks the worker to stop at its next check; runCanceled follows.
    void cancel();
    // Stops the run without a word: nothing more of it is delivered.
    void discard();
    bool isRunning() const;
    int generation() const { return run_.generation(); }

signals:
    void progressed(double fraction, const QString& stage);
    void runFinished(const layerlens::ui::CalibrationRunPtr& run);
    void runCanceled();
    void runFailed(const QString& message);

private:
    void onFinished(int generation);

    WorkerRun<CalibrationEvent> run_;
};

}  // namespace layerlens::ui

Q_DECLARE_METATYPE(layerlens::ui::CalibrationRunPtr)

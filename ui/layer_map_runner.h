#pragma once
// The layer map's worker (QtConcurrent in promise mode): either a model sweep of a file — core's
// plan_model_sweep (listing, shape checks, checksum) and run_model_sweep, which appends each row
// to a JSONL as it finishes — or the rows of a sweep JSONL read back (read_sweep_file). Both end
// with core's summary. Delivered on the GUI thread by a QFutureWatcher: the sweep's shape, rows
// in batches as they finish, the summary after every finished layer, progress (throttled by Qt)
// and the end. As the other runners, each start has a generation; a replaced or discarded run's
// late events are dropped.
#include <QFutureWatcher>
#include <QObject>
#include <QSet>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model_sweep/model_sweep_plan.h"
#include "model_sweep/model_sweep_rows.h"
#include "model_sweep/model_sweep_summary.h"
#include "worker_run.h"

class QThread;

namespace layerlens::ui {

struct CoreThreadLog;

// A column of the map: one method at one budget.
struct SweepPointKey {
    std::string method, budget;
    bool operator==(const SweepPointKey&) const = default;
};

// What a sweep will compute, known before its first row: its layers and points, in file and plan order.
struct LayerMapShape {
    std::vector<std::string> layers;
    std::vector<SweepPointKey> points;
    std::vector<std::string> skipped;   // "name: reason" for the layers the plan left out
};

// What the worker hands over, in order, through the QPromise's results.
struct LayerMapEvent {
    enum class Kind { Planned, Row, Summary, Opened, Finished, Failed };
    Kind kind = Kind::Row;
    std::shared_ptr<const LayerMapShape> shape;            // Planned
    std::shared_ptr<const SweepRow> row;                   // Row
    std::shared_ptr<const std::vector<SweepRow>> rows;     // Opened
    std::shared_ptr<const ModelSweepSummary> summary;      // Summary, Opened, Finished
    QString text;   // Opened: the layer file's name the rows give; Finished: the JSONL; Failed: the message
};

class LayerMapRunner : public QObject {
    Q_OBJECT
public:
    explicit LayerMapRunner(QObject* parent = nullptr);
    ~LayerMapRunner() override;

    // Sweeps `request` into the JSONL `out` (replacing it); any run in flight is dropped.
    int start(ModelSweepRequest request, const QString& out);
    // Reads the rows of a sweep JSONL; any run in flight is dropped.
    int open(const QString& path);
    // Asks the worker to stop at its next check; runCanceled follows. The rows written stay.
    void cancel();
    // Stops without a word: nothing more of the current work is delivered.
    void discard();
    bool isRunning() const;
    int generation() const { return run_.generation(); }
    // The threads core code reported progress or checked cancel from during the current work,
    // and how many such calls it made (the tests' evidence that the GUI thread computes nothing).
    QSet<QThread*> coreThreads() const;
    long long coreCalls() const;

signals:
    void planned(const layerlens::ui::LayerMapShape& shape);
    void rowsArrived(const std::vector<layerlens::SweepRow>& rows);
    void summaryChanged(const layerlens::ModelSweepSummary& summary);
    void opened(const QString& path, const std::vector<layerlens::SweepRow>& rows,
                const layerlens::ModelSweepSummary& summary, const QString& inputName);
    void progressed(double fraction, const QString& stage);
    void runFinished(const QString& out);
    void runCanceled();
    void failed(const QString& message);

private:
    int launch(const std::function<QFuture<LayerMapEvent>()>& begin);
    void onResults(int generation, int begin, int end);
    void onFinished(int generation);

    WorkerRun<LayerMapEvent> run_;
    QString openedPath_;
    bool ended_ = false;   // Finished, Opened or Failed went out with the results
    std::shared_ptr<CoreThreadLog> threadLog_;
};

}  // namespace layerlens::ui

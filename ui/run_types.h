#pragma once
// The values that cross from the worker to the GUI thread: plain structs behind shared_ptr to
// const, so a result is computed once, never copied and never changed after it is delivered.
#include <QMetaType>
#include <QPointF>
#include <QVector>
#include <memory>
#include <string>
#include <vector>

#include "layer_source.h"
#include "method.h"
#include "view_data.h"

namespace layerlens::ui {

// One method with its parameters; a comparison has one per method, a sweep one per point.
struct MethodJob {
    std::string method;
    CompressionParams params;
    double sweepX = 0.0;   // the swept budget value (sparsity or bits); unused in a comparison
};

struct MethodOutcome;

struct RunRequest {
    std::shared_ptr<const LoadedLayer> loaded;
    std::vector<MethodJob> jobs;
    bool buildViews = true;   // comparison: error maps and masks; sweep: only the numbers
    // Empty, or one per job: a non-null outcome is delivered again instead of computing that job
    // (ResultCache: its layer and settings did not change).
    std::vector<std::shared_ptr<const MethodOutcome>> reused;
};

struct MethodOutcome {
    int job = -1;
    MethodJob request;
    std::string layer;                             // the layer's name, as every export writes it
    std::shared_ptr<const MethodResult> result;    // null when the method failed
    std::shared_ptr<const MethodViewData> views;   // null when failed or not asked for
    std::string error;                             // why it failed; empty on success
};
using OutcomePtr = std::shared_ptr<const MethodOutcome>;

// What the worker reports, in order, through the QPromise's results.
struct RunEvent {
    enum class Kind { MethodStarted, Iterations, MethodFinished };
    Kind kind = Kind::MethodStarted;
    int job = -1;
    QVector<QPointF> iterations;   // (t, E) recorded since the previous Iterations event
    OutcomePtr outcome;
};

}  // namespace layerlens::ui

Q_DECLARE_METATYPE(layerlens::ui::OutcomePtr)
Q_DECLARE_METATYPE(layerlens::ui::RunEvent)

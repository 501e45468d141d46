#pragma once
// The Compare tab: the comparison grid over the PGD loss curve and the sortable metrics table.
// It watches the window's runner, so each method's column, curve and table row fill in as that
// method starts, progresses and finishes; a cancelled or failed run marks what it left unfinished.
#include <QStringList>
#include <QWidget>
#include <vector>

#include "layer_loader.h"
#include "run_types.h"

class QSortFilterProxyModel;
class QTableView;

namespace layerlens::ui {

class ChannelFocus;
class ComparisonGrid;
class LossCurveWidget;
class MethodRunner;
class MetricsModel;

class CompareTab : public QWidget {
    Q_OBJECT
public:
    CompareTab(ChannelFocus* focus, MethodRunner* runner, QWidget* parent = nullptr);
    // A new layer: the grid shows it, the curve and the table start empty.
    void setLayer(const LayerViewPtr& layer);
    // A comparison of these jobs starts: one column, curve and row per job.
    void beginRun(const std::vector<MethodJob>& jobs);
    // The methods that have a result to export (possibly from an earlier run).
    QStringList methodsWithResults() const;

    ComparisonGrid* grid() const { return grid_; }
    LossCurveWidget* lossCurve() const { return lossCurve_; }
    MetricsModel* metrics() const { return metrics_; }
    QTableView* metricsView() const { return metricsView_; }

signals:
    // The readout of what the mouse is over in the grid.
    void hovered(const QString& readout);
    // Right click on any view of the tab: export that view (the window asks where).
    void exportViewRequested(QWidget* view, const QString& name);

private:
    void setUpMetricsView();
    void layOut();
    void watch(MethodRunner* runner);
    void endRun(const QString& why);

    ComparisonGrid* grid_;
    LossCurveWidget* lossCurve_;
    MetricsModel* metrics_;
    QSortFilterProxyModel* sortedMetrics_;
    QTableView* metricsView_;
};

}  // namespace layerlens::ui

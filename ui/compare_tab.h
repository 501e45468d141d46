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
class QSplitter;
class QTabWidget;
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

    // Below this width the loss curve and the table share the bottom as two tabs, each at the full
    // width (side by side, the curve's plot was squeezed to a stamp beside its labels).
    static constexpr int kSideBySideWidth = 1000;
    bool bottomAsTabs() const;

signals:
    // The readout of what the mouse is over in the grid.
    void hovered(const QString& readout);
    // Right click on any view of the tab: export that view (the window asks where).
    void exportViewRequested(QWidget* view, const QString& name);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void arrangeBottom(bool asTabs);
    void setUpMetricsView();
    void layOut();
    void watch(MethodRunner* runner);
    void endRun(const QString& why);

    ComparisonGrid* grid_;
    LossCurveWidget* lossCurve_;
    MetricsModel* metrics_;
    QSortFilterProxyModel* sortedMetrics_;
    QTableView* metricsView_;
    QSplitter* bottomSplit_ = nullptr;
    QTabWidget* bottomTabs_ = nullptr;
};

}  // namespace layerlens::ui

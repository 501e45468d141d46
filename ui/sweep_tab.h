#pragma once
// The Sweep tab: E against sparsity or bits, one line per method, by core's one sweep rule
// (core/sweep_plan.h: which methods run at which values, which are skipped and why). The points
// run in the tab's own worker; their results sit in a SweepModel that feeds the table under the
// chart and the CSV/JSON export, which are core's rows (the CLI's `sweep` prints the same).
#include <QColor>
#include <QWidget>
#include <map>
#include <vector>

#include "layer_loader.h"
#include "run_types.h"

class QChart;
class QChartView;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QLineSeries;
class QTableView;

namespace layerlens::ui {

class MethodPanel;
class MethodRunner;
class SweepModel;

class SweepTab : public QWidget {
    Q_OBJECT
public:
    explicit SweepTab(MethodPanel* panel, QWidget* parent = nullptr);
    // Also tells the panel, whose live validation checks against the same layer.
    void setLayer(const LayerViewPtr& layer);
    // Starts the sweep of the axis ("sparsity" or "bits") over the values in the edit box for
    // the methods checked in the panel; false (and the reason shown) when a value is invalid or
    // no checked method has a budget on the axis.
    bool runSweep();
    void setAxis(const QString& axis);
    void setPoints(const QString& points);
    void cancel();
    // csv_header() + csv_row(layer, result) per finished point; results_json_text.
    QString toCsv() const;
    QByteArray toJson() const;
    int lineCount() const;
    int pointCount(const std::string& method) const;
    // A method's line colour, fixed by its place in the registry so no two methods share one.
    static QColor methodColour(const std::string& method);
    QColor lineColour(const std::string& method) const;
    // Hovering a line shows the nearest point's method, budget and E (a tooltip); the last text.
    QString hoverText() const { return hoverText_; }
    void hoverLine(const std::string& method, const QPointF& where, bool entered);
    QString statusText() const;
    SweepModel* model() const { return model_; }
    QTableView* tableView() const { return table_; }
    QChartView* chartView() const { return view_; }
    MethodRunner* runner() const { return runner_; }

signals:
    void sweepFinished();
    void sweepFailed(const QString& message);

private:
    QLayout* buildControls();
    bool refuse(const QString& why);
    void startPlot(const QString& axis, std::vector<double> values);
    void onOutcome(const OutcomePtr& outcome);
    void setStatus(const QString& text);
    void rescale();

    MethodPanel* panel_;
    MethodRunner* runner_;
    SweepModel* model_;
    LayerViewPtr layer_;
    QComboBox* axis_;
    QLineEdit* points_;
    QPushButton* run_;
    QCheckBox* logY_;
    QLabel* status_;
    QChart* chart_;
    QChartView* view_;
    QTableView* table_;
    std::map<std::string, QLineSeries*> lines_;
    QString hoverText_;
    QString skippedNote_;   // "rtn has no sparsity budget", said once per sweep
};

}  // namespace layerlens::ui

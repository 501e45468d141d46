#pragma once
// The Sweep tab: E against sparsity (pruning and joint methods) or bits (quantisation and joint
// methods), one line per method — the seed's tables at layer level. Runs in its own worker.
#include <QWidget>
#include <map>

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

namespace layerlens::ui {

class MethodPanel;
class MethodRunner;

class SweepTab : public QWidget {
    Q_OBJECT
public:
    explicit SweepTab(MethodPanel* panel, QWidget* parent = nullptr);
    void setLayer(const LayerViewPtr& layer);
    // Starts the sweep of the axis ("sparsity" or "bits") over the points in the edit box;
    // false (and the reason shown) when nothing fits or a value is invalid.
    bool runSweep();
    void setAxis(const QString& axis);
    void setPoints(const QString& points);
    void cancel();
    QString toCsv() const;
    QByteArray toJson() const;
    int lineCount() const;
    int pointCount(const std::string& method) const;
    QChartView* chartView() const { return view_; }
    MethodRunner* runner() const { return runner_; }

signals:
    void sweepFinished();
    void sweepFailed(const QString& message);

private:
    void onOutcome(const OutcomePtr& outcome);
    void rescale();

    MethodPanel* panel_;
    MethodRunner* runner_;
    LayerViewPtr layer_;
    QComboBox* axis_;
    QLineEdit* points_;
    QPushButton* run_;
    QCheckBox* logY_;
    QLabel* status_;
    QChart* chart_;
    QChartView* view_;
    std::map<std::string, QLineSeries*> lines_;
    std::vector<OutcomePtr> outcomes_;
};

}  // namespace layerlens::ui

#pragma once
// The Model tab's chart: perplexity (log axis) against the budget, one line with point markers
// per compressed method, and the dense model's perplexity as a dashed reference line labelled
// "dense 12.3". It only draws: it watches a ModelEvalModel and rebuilds when the model resets.
#include <QtCharts/QChartView>

class QLineSeries;
class QLogValueAxis;
class QValueAxis;

namespace layerlens::ui {

class ModelEvalModel;

class ModelChartView : public QChartView {
    Q_OBJECT
public:
    explicit ModelChartView(ModelEvalModel* model, QWidget* parent = nullptr);

    // The dense reference line; null when the evaluation has no dense row.
    QLineSeries* denseLine() const { return dense_; }

private:
    void rebuild();

    ModelEvalModel* model_;
    QValueAxis* x_;
    QLogValueAxis* y_;
    QLineSeries* dense_ = nullptr;
};

}  // namespace layerlens::ui

#pragma once
// The AWP loss curve: E per step of every method that records a loss history (AWP), growing
// live, with every other method's final E as a labelled horizontal line, so the user sees where
// PGD passes each of them. Log y by default (E spans decades). The lines' labels sit in a column
// right of the plot, in the order of E, pushed apart so none covers another, each joined to its
// line by a leader.
#include <QWidget>
#include <map>
#include <string>

#include "run_types.h"

class QChart;
class QChartView;
class QCheckBox;
class QLineSeries;
class QScatterSeries;
class QAbstractAxis;
class QGraphicsLineItem;
class QGraphicsSimpleTextItem;

namespace layerlens::ui {

class LossCurveWidget : public QWidget {
    Q_OBJECT
public:
    explicit LossCurveWidget(QWidget* parent = nullptr);
    void clear();
    void beginRun(const std::vector<MethodJob>& jobs);
    void appendIterations(int job, const QVector<QPointF>& points);
    void setOutcome(const OutcomePtr& outcome);
    void setLogScale(bool on);
    // For tests: points of a method's live curve, and the reference lines' labels.
    int curvePointCount(const std::string& method) const;
    // The label on a method's first point ("from SparseGPT"), empty when it has none.
    QString startLabel(const std::string& method) const;
    QStringList referenceLabels() const;
    // The reference labels' rectangles in the chart's coordinates (chartRect()), in order of E.
    QList<QRectF> referenceLabelRects() const;
    QRectF chartRect() const;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    QLineSeries* curveFor(const std::string& method);
    void markStart(const std::string& method, const QPointF& first, const QString& text);
    void rebuildReferences();
    void rescale();
    void layOutLabels();

    QChart* chart_;
    QChartView* view_;
    QCheckBox* logY_;
    QAbstractAxis* xAxis_ = nullptr;
    QAbstractAxis* yAxis_ = nullptr;
    std::vector<std::string> jobMethods_;
    std::map<std::string, QLineSeries*> curves_;
    std::map<std::string, QScatterSeries*> startMarkers_;   // the first point, as a dot
    std::map<std::string, QGraphicsSimpleTextItem*> startTexts_;   // and its start's name, right of it
    std::map<std::string, double> finalE_;          // methods without a loss history
    std::vector<QLineSeries*> referenceLines_;
    struct ReferenceLabel {
        QGraphicsSimpleTextItem* text;
        QGraphicsLineItem* leader;
        QLineSeries* line;
    };
    std::vector<ReferenceLabel> referenceLabels_;   // in order of E
    bool layingOut_ = false;
};

}  // namespace layerlens::ui

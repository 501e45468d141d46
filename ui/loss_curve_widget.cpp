#include "loss_curve_widget.h"

#include "method_label.h"

#include "error_axis.h"

#include <QCheckBox>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <cmath>

#include "method_registry.h"

namespace layerlens::ui {

namespace {
// log axes cannot show 0: E is clamped to this floor.
constexpr double kFloor = 1e-9;
// Where along the x axis (fraction of its length) the k-th reference label sits: four columns,
// so neighbours in E never share a spot.
double labelPosition(int k) { return 0.08 + 0.24 * (k % 4); }
}  // namespace

LossCurveWidget::LossCurveWidget(QWidget* parent)
    : QWidget(parent), chart_(new QChart), view_(new QChartView(chart_, this)), logY_(new QCheckBox("log E", this)) {
    chart_->setTitle("PGD loss: relative output error E per iteration");
    chart_->legend()->setAlignment(Qt::AlignTop);
    chart_->setMargins(QMargins(4, 4, 4, 4));
    view_->setRenderHint(QPainter::Antialiasing);
    // Follow a dark desktop palette; Qt Charts' default theme is always light.
    if (palette().color(QPalette::Window).lightness() < 128) {
        chart_->setTheme(QChart::ChartThemeDark);
        chart_->setBackgroundBrush(palette().color(QPalette::Base));
    }
    view_->setMinimumHeight(170);
    setToolTip("AWP's output error E at every iteration; the dashed lines are the other methods' final E.");
    logY_->setChecked(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view_, 1);
    layout->addWidget(logY_);
    connect(logY_, &QCheckBox::toggled, this, &LossCurveWidget::setLogScale);
    setLogScale(true);
}

void LossCurveWidget::setLogScale(bool on) {
    if (logY_->isChecked() != on) logY_->setChecked(on);
    if (yAxis_) {
        chart_->removeAxis(yAxis_);
        delete yAxis_;
    }
    yAxis_ = makeErrorAxis(on);
    chart_->addAxis(yAxis_, Qt::AlignLeft);
    if (!xAxis_) {
        auto* x = new QValueAxis;
        x->setLabelFormat("%d");
        x->setTitleText("iteration");
        xAxis_ = x;
        chart_->addAxis(xAxis_, Qt::AlignBottom);
    }
    for (QAbstractSeries* s : chart_->series()) s->attachAxis(yAxis_);
    rescale();
}

void LossCurveWidget::clear() {
    chart_->removeAllSeries();
    curves_.clear();
    finalE_.clear();
    referenceLines_.clear();
    referenceLabels_.clear();
    rescale();
}

void LossCurveWidget::beginRun(const std::vector<MethodJob>& jobs) {
    jobMethods_.clear();
    for (const MethodJob& j : jobs) jobMethods_.push_back(j.method);
    // A rerun method starts its curve afresh; the others' final E stay as references.
    for (const std::string& m : jobMethods_)
        if (auto it = curves_.find(m); it != curves_.end()) it->second->clear();
}

QLineSeries* LossCurveWidget::curveFor(const std::string& method) {
    if (auto it = curves_.find(method); it != curves_.end()) return it->second;
    auto* series = new QLineSeries;
    series->setName(methodLabel(method));
    chart_->addSeries(series);
    // Widen the theme's own pen (its colour suits the light or dark theme).
    QPen pen = series->pen();
    pen.setWidthF(2.5);
    series->setPen(pen);
    series->attachAxis(xAxis_);
    series->attachAxis(yAxis_);
    curves_[method] = series;
    finalE_.erase(method);
    return series;
}

void LossCurveWidget::appendIterations(int job, const QVector<QPointF>& points) {
    if (job < 0 || job >= static_cast<int>(jobMethods_.size())) return;
    QLineSeries* series = curveFor(jobMethods_[static_cast<size_t>(job)]);
    QList<QPointF> clamped;
    clamped.reserve(points.size());
    for (const QPointF& p : points) clamped.append(QPointF(p.x(), std::max(p.y(), kFloor)));
    series->append(clamped);
    rescale();
}

void LossCurveWidget::setOutcome(const OutcomePtr& outcome) {
    if (!outcome->result) return;
    const MethodResult& r = *outcome->result;
    if (!r.loss_history.empty()) {
        // The finished history replaces the live one (the live one may have skipped nothing,
        // but the result is the record).
        QLineSeries* series = curveFor(outcome->request.method);
        QList<QPointF> points;
        for (size_t t = 0; t < r.loss_history.size(); ++t)
            points.append(QPointF(static_cast<double>(t), std::max(r.loss_history[t], kFloor)));
        series->replace(points);
    } else {
        finalE_[outcome->request.method] = std::max(r.relative_output_error, kFloor);
    }
    rebuildReferences();
    rescale();
}

void LossCurveWidget::rebuildReferences() {
    for (QLineSeries* s : referenceLines_) chart_->removeSeries(s), delete s;
    for (QScatterSeries* s : referenceLabels_) chart_->removeSeries(s), delete s;
    referenceLines_.clear();
    referenceLabels_.clear();
    double xMax = 10;
    for (const auto& [m, s] : curves_)
        if (s->count() > 0) xMax = std::max(xMax, s->at(s->count() - 1).x());
    // Labels in order of E, staggered along x so methods with nearly equal E stay readable.
    std::vector<std::pair<double, std::string>> byError;
    for (const auto& [method, E] : finalE_) byError.emplace_back(E, method);
    std::sort(byError.begin(), byError.end());
    int slot = 0;
    for (const auto& [E, method] : byError) {
        auto* line = new QLineSeries;
        line->setName(methodLabel(method));
        QColor lineColour = palette().color(QPalette::WindowText);
        lineColour.setAlphaF(0.45);
        QPen pen(lineColour);
        pen.setStyle(Qt::DashLine);
        pen.setWidthF(1.2);
        line->setPen(pen);
        line->append(0, E);
        line->append(xMax, E);
        auto* label = new QScatterSeries;
        label->setMarkerSize(1);
        label->setBorderColor(Qt::transparent);
        label->setColor(Qt::transparent);
        const double position = labelPosition(slot++);
        label->setProperty("slot", position);
        label->append(xMax * position, E);
        label->setPointLabelsFormat(methodLabel(method) + QString(" %1%").arg(100.0 * E, 0, 'g', 3));
        label->setPointLabelsVisible(true);
        label->setPointLabelsClipping(false);
        label->setPointLabelsColor(palette().color(QPalette::WindowText));
        for (QAbstractSeries* s : {static_cast<QAbstractSeries*>(line), static_cast<QAbstractSeries*>(label)}) {
            chart_->addSeries(s);
            s->attachAxis(xAxis_);
            s->attachAxis(yAxis_);
            for (QLegendMarker* marker : chart_->legend()->markers(s)) marker->setVisible(false);
        }
        referenceLines_.push_back(line);
        referenceLabels_.push_back(label);
    }
}

void LossCurveWidget::rescale() {
    double xMax = 10, yMin = INFINITY, yMax = 0;
    for (const auto& [m, s] : curves_)
        for (int k = 0; k < s->count(); ++k) {
            const QPointF p = s->at(k);
            xMax = std::max(xMax, p.x());
            yMin = std::min(yMin, p.y());
            yMax = std::max(yMax, p.y());
        }
    for (const auto& [m, E] : finalE_) yMin = std::min(yMin, E), yMax = std::max(yMax, E);
    for (QLineSeries* line : referenceLines_)
        if (line->count() == 2) line->replace(1, QPointF(xMax, line->at(1).y()));
    for (QScatterSeries* label : referenceLabels_)
        if (label->count() == 1) label->replace(0, QPointF(xMax * label->property("slot").toDouble(), label->at(0).y()));
    if (xAxis_) xAxis_->setRange(0, xMax);
    if (!yAxis_) return;
    if (!(yMax > 0)) {
        yAxis_->setRange(logY_->isChecked() ? 1e-4 : 0.0, 1.0);
        return;
    }
    if (logY_->isChecked())
        yAxis_->setRange(yMin / 1.5, yMax * 1.5);
    else
        yAxis_->setRange(0.0, yMax * 1.1);
}

int LossCurveWidget::curvePointCount(const std::string& method) const {
    auto it = curves_.find(method);
    return it == curves_.end() ? 0 : it->second->count();
}

QStringList LossCurveWidget::referenceLabels() const {
    QStringList labels;
    for (QScatterSeries* s : referenceLabels_) labels << s->pointLabelsFormat();
    return labels;
}

}  // namespace layerlens::ui

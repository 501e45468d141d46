#include "loss_curve_widget.h"

#include "method_label.h"

#include "error_axis.h"

#include <QCheckBox>
#include <QFontMetricsF>
#include <QGraphicsLineItem>
#include <QGraphicsSimpleTextItem>
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
// Gap between the plot's right edge and the labels (room for the leader), and between labels.
constexpr double kLeaderLength = 16;
constexpr double kLabelGap = 1;
constexpr int kChartMargin = 4;
}  // namespace

LossCurveWidget::LossCurveWidget(QWidget* parent)
    : QWidget(parent), chart_(new QChart), view_(new QChartView(chart_, this)), logY_(new QCheckBox("log E", this)) {
    chart_->setTitle("AWP: relative output error E as it runs");
    chart_->legend()->setAlignment(Qt::AlignTop);
    chart_->setMargins(QMargins(kChartMargin, kChartMargin, kChartMargin, kChartMargin));
    connect(chart_, &QChart::plotAreaChanged, this, [this] { layOutLabels(); });
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
        x->setTitleText("products by C after the start (PGD: one per iteration)");
        xAxis_ = x;
        chart_->addAxis(xAxis_, Qt::AlignBottom);
    }
    for (QAbstractSeries* s : chart_->series()) s->attachAxis(yAxis_);
    rescale();
}

void LossCurveWidget::clear() {
    for (const ReferenceLabel& label : referenceLabels_) delete label.text, delete label.leader;
    referenceLabels_.clear();
    chart_->removeAllSeries();
    curves_.clear();
    startMarkers_.clear();
    for (auto& [m, label] : startTexts_) delete label;
    startTexts_.clear();
    finalE_.clear();
    referenceLines_.clear();
    rescale();
}

void LossCurveWidget::beginRun(const std::vector<MethodJob>& jobs) {
    jobMethods_.clear();
    for (const MethodJob& j : jobs) jobMethods_.push_back(j.method);
    // A rerun method starts its curve afresh; the others' final E stay as references.
    for (const std::string& m : jobMethods_) {
        if (auto it = curves_.find(m); it != curves_.end()) it->second->clear();
        if (auto it = startMarkers_.find(m); it != startMarkers_.end()) it->second->clear();
        if (auto it = startTexts_.find(m); it != startTexts_.end()) it->second->hide();
    }
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
        // x is the work spent after the start, in products by C: one per PGD iteration, several
        // per stage of AWP's default (its products_at_point), so the two presets share an axis.
        QLineSeries* series = curveFor(outcome->request.method);
        const std::vector<double>* products = nullptr;
        for (const auto& [key, values] : r.series)
            if (key == "products_at_point" && values.size() == r.loss_history.size()) products = &values;
        QList<QPointF> points;
        for (size_t t = 0; t < r.loss_history.size(); ++t) {
            const double x = products ? (*products)[t] - products->front() : static_cast<double>(t);
            points.append(QPointF(x, std::max(r.loss_history[t], kFloor)));
        }
        series->replace(points);
        for (const auto& [key, value] : r.params)
            if (key == "init" && std::holds_alternative<std::string>(value))
                markStart(outcome->request.method, points.front(),
                          "from " + methodLabel(std::get<std::string>(value)));
    } else {
        finalE_[outcome->request.method] = r.relative_output_error;   // the label's; the line is clamped
    }
    rebuildReferences();
    rescale();
}

void LossCurveWidget::markStart(const std::string& method, const QPointF& first, const QString& text) {
    QScatterSeries*& marker = startMarkers_[method];
    if (!marker) {
        marker = new QScatterSeries;
        marker->setMarkerSize(8);
        chart_->addSeries(marker);
        marker->attachAxis(xAxis_);
        marker->attachAxis(yAxis_);
        for (QLegendMarker* m : chart_->legend()->markers(marker)) m->setVisible(false);
    }
    if (const auto it = curves_.find(method); it != curves_.end()) marker->setColor(it->second->pen().color());
    marker->replace(QList<QPointF>{first});
    // Placed by layOutLabels, right of the dot: a label centred on a point at x = 0 would cover the axis.
    QGraphicsSimpleTextItem*& label = startTexts_[method];
    if (!label) {
        label = new QGraphicsSimpleTextItem(chart_);
        label->setZValue(10);
    }
    label->setBrush(palette().color(QPalette::WindowText));
    label->setText(text);
    label->show();
    layOutLabels();
}

QString LossCurveWidget::startLabel(const std::string& method) const {
    const auto marker = startMarkers_.find(method);
    const auto label = startTexts_.find(method);
    if (marker == startMarkers_.end() || marker->second->count() == 0 || label == startTexts_.end()) return {};
    return label->second->text();
}

void LossCurveWidget::rebuildReferences() {
    for (const ReferenceLabel& label : referenceLabels_) delete label.text, delete label.leader;
    referenceLabels_.clear();
    for (QLineSeries* s : referenceLines_) chart_->removeSeries(s), delete s;
    referenceLines_.clear();
    double xMax = 10;
    for (const auto& [m, s] : curves_)
        if (s->count() > 0) xMax = std::max(xMax, s->at(s->count() - 1).x());
    std::vector<std::pair<double, std::string>> byError;
    for (const auto& [method, E] : finalE_) byError.emplace_back(E, method);
    std::sort(byError.begin(), byError.end());
    const QColor text = palette().color(QPalette::WindowText);
    QColor faint = text;
    faint.setAlphaF(0.45);
    for (const auto& [E, method] : byError) {
        auto* line = new QLineSeries;
        line->setName(methodLabel(method));
        QPen pen(faint);
        pen.setStyle(Qt::DashLine);
        pen.setWidthF(1.2);
        line->setPen(pen);
        // The line sits at the log axis' floor when E is below it; its label keeps the true E.
        line->append(0, std::max(E, kFloor));
        line->append(xMax, std::max(E, kFloor));
        chart_->addSeries(line);
        line->attachAxis(xAxis_);
        line->attachAxis(yAxis_);
        for (QLegendMarker* marker : chart_->legend()->markers(line)) marker->setVisible(false);
        referenceLines_.push_back(line);
        auto* label = new QGraphicsSimpleTextItem(methodLabel(method) + QString(" %1%").arg(100.0 * E, 0, 'g', 3), chart_);
        label->setBrush(text);
        label->setZValue(10);
        auto* leader = new QGraphicsLineItem(chart_);
        leader->setPen(QPen(faint, 1.0));
        leader->setZValue(10);
        referenceLabels_.push_back({label, leader, line});
    }
    layOutLabels();
}

// Each label wants to sit level with its line; sorted by that height, a label that would overlap
// the one above moves down, and if the last runs off the bottom they all move up. When the chart
// is too short for one column, the labels go into as many columns as needed.
void LossCurveWidget::layOutLabels() {
    if (layingOut_) return;
    layingOut_ = true;
    const QRectF plot = chart_->plotArea();
    const QRectF area = chart_->rect().adjusted(kChartMargin, kChartMargin, -kChartMargin, -kChartMargin);
    for (const auto& [method, label] : startTexts_) {
        const auto marker = startMarkers_.find(method);
        if (marker == startMarkers_.end() || marker->second->count() == 0) continue;
        const QPointF at = chart_->mapToPosition(marker->second->at(0), marker->second);
        const double h = label->boundingRect().height();
        // Above the dot where there is room, below it at the plot's top edge.
        const double y = at.y() - h - 2 >= plot.top() ? at.y() - h - 2 : at.y() + 4;
        label->setPos(std::min(at.x() + 6, plot.right() - label->boundingRect().width()), y);
    }
    const int n = static_cast<int>(referenceLabels_.size());
    double width = 0, height = QFontMetricsF(chart_->font()).height();
    for (const ReferenceLabel& label : referenceLabels_) {
        width = std::max(width, label.text->boundingRect().width());
        height = std::max(height, label.text->boundingRect().height());
    }
    const double step = height + kLabelGap;
    const int perColumn = std::max(1, static_cast<int>(area.height() / step));
    const int columns = n == 0 ? 0 : (n + perColumn - 1) / perColumn;
    const int right = columns == 0 ? kChartMargin
                                   : static_cast<int>(std::ceil(kLeaderLength + columns * (width + 6) + kChartMargin));
    if (chart_->margins().right() != right) {
        chart_->setMargins(QMargins(kChartMargin, kChartMargin, right, kChartMargin));
        layingOut_ = false;
        return;   // plotAreaChanged lays out again with the new plot area
    }
    if (n == 0 || plot.isEmpty()) {
        layingOut_ = false;
        return;
    }
    for (int column = 0; column < columns; ++column) {
        // The labels of this column, in the order of their lines' height on screen.
        std::vector<std::pair<double, int>> wanted;
        for (int k = column; k < n; k += columns) {
            const QLineSeries* line = referenceLabels_[static_cast<size_t>(k)].line;
            const double y = chart_->mapToPosition(QPointF(0, line->at(0).y()), const_cast<QLineSeries*>(line)).y();
            wanted.emplace_back(std::clamp(y, area.top(), area.bottom()), k);
        }
        std::sort(wanted.begin(), wanted.end());
        std::vector<double> centre(wanted.size());
        const double top = area.top() + height / 2, bottom = area.bottom() - height / 2;
        for (size_t i = 0; i < wanted.size(); ++i)
            centre[i] = std::max(wanted[i].first, i == 0 ? top : centre[i - 1] + step);
        for (size_t i = wanted.size(); i-- > 0;)
            centre[i] = std::min(centre[i], i + 1 == wanted.size() ? bottom : centre[i + 1] - step);
        const double x = plot.right() + kLeaderLength + column * (width + 6);
        for (size_t i = 0; i < wanted.size(); ++i) {
            const ReferenceLabel& label = referenceLabels_[static_cast<size_t>(wanted[i].second)];
            label.text->setPos(x, centre[i] - label.text->boundingRect().height() / 2);
            label.leader->setLine(plot.right(), std::clamp(wanted[i].first, plot.top(), plot.bottom()), x - 2, centre[i]);
        }
    }
    layingOut_ = false;
}

void LossCurveWidget::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    layOutLabels();
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
    // With a curve, its own range and the references near it (within 2x): SVD at 35% must not
    // squeeze a curve that runs from 6.8% to 5.9% into a few pixels; a reference further out keeps
    // its label, its leader pointing to the plot's edge.
    const bool haveCurve = yMax > 0;
    const double curveMin = yMin, curveMax = yMax;
    for (const auto& [m, exact] : finalE_) {
        const double E = std::max(exact, kFloor);
        if (!haveCurve || (E >= curveMin / 2 && E <= curveMax * 2)) yMin = std::min(yMin, E), yMax = std::max(yMax, E);
    }
    // One curve is named by the title; the legend would only take height from the plot.
    chart_->legend()->setVisible(curves_.size() > 1);
    for (QLineSeries* line : referenceLines_)
        if (line->count() == 2) line->replace(1, QPointF(xMax, line->at(1).y()));
    if (xAxis_) xAxis_->setRange(0, xMax);
    if (!yAxis_) return;
    if (!(yMax > 0))
        yAxis_->setRange(logY_->isChecked() ? 1e-4 : 0.0, 1.0);
    else if (logY_->isChecked()) {
        const double lo = yMin / (haveCurve ? 1.15 : 1.5), hi = yMax * (haveCurve ? 1.15 : 1.5);
        yAxis_->setRange(lo, hi);
        // A log axis labels the powers of its base: inside one decade base 10 labels nothing, so
        // the base shrinks to give about three labels (their values are then not round).
        if (auto* axis = qobject_cast<QLogValueAxis*>(yAxis_)) axis->setBase(hi / lo >= 10 ? 10 : std::max(1.05, std::cbrt(hi / lo)));
    }
    else
        yAxis_->setRange(0.0, yMax * 1.1);
    layOutLabels();
}

int LossCurveWidget::curvePointCount(const std::string& method) const {
    auto it = curves_.find(method);
    return it == curves_.end() ? 0 : it->second->count();
}

QStringList LossCurveWidget::referenceLabels() const {
    QStringList labels;
    for (const ReferenceLabel& label : referenceLabels_) labels << label.text->text();
    return labels;
}

QList<QRectF> LossCurveWidget::referenceLabelRects() const {
    QList<QRectF> rects;
    for (const ReferenceLabel& label : referenceLabels_)
        rects << QRectF(label.text->pos(), label.text->boundingRect().size());
    return rects;
}

QRectF LossCurveWidget::chartRect() const { return chart_->rect(); }

}  // namespace layerlens::ui

#include "teach_loss_plot.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

#include "teach_text.h"

namespace layerlens::ui {

namespace {
// 1, 2 or 5 times a power of ten: about `count` steps over the span.
double niceStep(double span, int count) {
    if (!(span > 0)) return 1.0;
    const double raw = span / count, power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * power >= raw) return m * power;
    return 10.0 * power;
}
}  // namespace

TeachLossPlot::TeachLossPlot(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void TeachLossPlot::setPoints(const QVector<QPointF>& points) {
    points_ = points;
    update();
}

void TeachLossPlot::appendPoints(const QVector<QPointF>& points) {
    points_ += points;
    update();
}

void TeachLossPlot::setCurrent(int iteration) {
    current_ = iteration;
    update();
}

void TeachLossPlot::setReferences(const QVector<Reference>& references) {
    references_ = references;
    update();
}

void TeachLossPlot::setLogScale(bool on) {
    log_ = on;
    update();
}

void TeachLossPlot::setAxisTitles(const QString& x, const QString& y) {
    xTitle_ = x;
    yTitle_ = y;
    update();
}

void TeachLossPlot::setIterationRange(int last) {
    lastIteration_ = last;
    update();
}

QRect TeachLossPlot::plotRect() const {
    const QFontMetrics metrics(font());
    const int left = metrics.horizontalAdvance("00.000%") + metrics.height() + 10;
    // Room on the right for the reference lines' labels.
    int labels = 0;
    for (const Reference& r : references_) labels = std::max(labels, metrics.horizontalAdvance(r.label));
    const int right = std::min(width() / 3, labels + 12) + 8;
    return QRect(left, metrics.height() / 2 + 4, std::max(10, width() - left - right),
                 std::max(10, height() - 2 * metrics.height() - metrics.height() / 2 - 14));
}

void TeachLossPlot::range(double& lo, double& hi) const {
    lo = INFINITY;
    hi = -INFINITY;
    for (const QPointF& p : points_) lo = std::min(lo, p.y()), hi = std::max(hi, p.y());
    for (const Reference& r : references_) lo = std::min(lo, r.value), hi = std::max(hi, r.value);
    if (!std::isfinite(lo)) lo = 0.0, hi = 1.0;
    if (log_) {
        lo = std::pow(10.0, std::floor(std::log10(std::max(lo, 1e-12))));
        hi = std::pow(10.0, std::ceil(std::log10(std::max(hi, lo * 10.0))));
        if (hi <= lo) hi = lo * 10.0;
    } else {
        lo = 0.0;
        const double step = niceStep(hi, 4);
        hi = std::max(step, step * std::ceil(hi * 1.02 / step));
    }
}

double TeachLossPlot::yToPixel(double value, double lo, double hi) const {
    const QRect area = plotRect();
    double f = log_ ? (std::log10(std::max(value, lo)) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                    : (value - lo) / (hi - lo);
    f = std::clamp(f, 0.0, 1.0);
    return area.bottom() - f * area.height();
}

QPointF TeachLossPlot::toPixel(const QPointF& point) const {
    double lo, hi;
    range(lo, hi);
    const QRect area = plotRect();
    int last = lastIteration_;
    for (const QPointF& p : points_) last = std::max(last, static_cast<int>(std::ceil(p.x())));
    last = std::max(last, 1);
    return {area.left() + point.x() / last * area.width(), yToPixel(point.y(), lo, hi)};
}

void TeachLossPlot::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QColor text = palette().color(QPalette::WindowText);
    QColor grid = text;
    grid.setAlphaF(0.15);
    const QFontMetrics metrics(font());
    const QRect area = plotRect();
    double lo, hi;
    range(lo, hi);
    painter.fillRect(area, palette().color(QPalette::Base));

    // Horizontal grid lines with their E.
    QVector<double> ticks;
    if (log_)
        for (double v = lo; v <= hi * 1.0001; v *= 10.0) ticks.append(v);
    else
        for (double v = lo, step = niceStep(hi - lo, 4); v <= hi * 1.0001; v += step) ticks.append(v);
    for (double v : ticks) {
        const double y = yToPixel(v, lo, hi);
        painter.setPen(QPen(grid, 1));
        painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
        painter.setPen(text);
        painter.drawText(QRectF(0, y - metrics.height() / 2.0, area.left() - 6, metrics.height()),
                         Qt::AlignRight | Qt::AlignVCenter, teachNumber(100.0 * v, 4) + "%");
    }
    // Iterations along the bottom.
    int last = lastIteration_;
    for (const QPointF& p : points_) last = std::max(last, static_cast<int>(std::ceil(p.x())));
    last = std::max(last, 1);
    const double xStep = std::max(1.0, niceStep(last, 6));
    for (double t = 0; t <= last + 1e-9; t += xStep) {
        const double x = area.left() + t / last * area.width();
        painter.setPen(QPen(grid, 1));
        painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
        painter.setPen(text);
        painter.drawText(QRectF(x - 40, area.bottom() + 2, 80, metrics.height()), Qt::AlignHCenter | Qt::AlignTop,
                         QString::number(t, 'f', 0));
    }
    painter.drawText(QRect(area.left(), area.bottom() + metrics.height() + 2, area.width(), metrics.height()),
                     Qt::AlignHCenter, xTitle_);
    painter.save();
    painter.translate(metrics.height() / 2.0 + 1, area.center().y());
    painter.rotate(-90);
    painter.drawText(QRectF(-area.height() / 2.0, -metrics.height() / 2.0, area.height(), metrics.height()),
                     Qt::AlignCenter, yTitle_ + (log_ ? "  (log scale)" : ""));
    painter.restore();
    painter.setPen(QPen(text, 1));
    painter.drawRect(area);

    // Reference lines, dashed, labelled at the right.
    const QColor referenceColours[3] = {QColor(117, 80, 123), QColor(78, 154, 6), QColor(193, 125, 17)};
    for (int r = 0; r < references_.size(); ++r) {
        const double y = yToPixel(references_[r].value, lo, hi);
        painter.setPen(QPen(referenceColours[r % 3], 2, Qt::DashLine));
        painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
        painter.drawText(QRectF(area.right() + 6, y - metrics.height() / 2.0, width() - area.right() - 6, metrics.height()),
                         Qt::AlignLeft | Qt::AlignVCenter, metrics.elidedText(references_[r].label, Qt::ElideRight,
                                                                               width() - area.right() - 8));
    }

    // The curve, then the dot on the current iteration.
    if (!points_.isEmpty()) {
        QPainterPath path(toPixel(points_.front()));
        for (int i = 1; i < points_.size(); ++i) path.lineTo(toPixel(points_[i]));
        painter.setPen(QPen(QColor(52, 101, 164), 2.5));
        painter.setBrush(Qt::NoBrush);
        painter.drawPath(path);
        if (points_.size() <= 60) {
            painter.setBrush(QColor(52, 101, 164));
            for (const QPointF& p : points_) painter.drawEllipse(toPixel(p), 2.5, 2.5);
        }
    }
    // The iteration looked at: a thin line through the plot and a dot on the curve. Its value is
    // written by the lesson beside the plot, where it cannot cover the curve.
    for (const QPointF& p : points_)
        if (static_cast<int>(std::lround(p.x())) == current_) {
            const QPointF at = toPixel(p);
            QColor mark(204, 0, 0);
            mark.setAlphaF(0.5);
            painter.setPen(QPen(mark, 1, Qt::DotLine));
            painter.drawLine(QPointF(at.x(), area.top()), QPointF(at.x(), area.bottom()));
            painter.setPen(QPen(QColor(204, 0, 0), 2));
            painter.setBrush(QColor(204, 0, 0));
            painter.drawEllipse(at, 6, 6);
            break;
        }
}

}  // namespace layerlens::ui

#include "calibration_penalty_chart.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>

#include "calibration_model.h"
#include "method_label.h"
#include "sweep_tab.h"

namespace layerlens::ui {

namespace {

constexpr int kLeft = 58, kRight = 12;

// The whisker about the bar's end: how far E goes from its mean over the resamples, in %.
std::pair<double, double> whiskerOf(const MethodCalibration& m) {
    if (!(m.error_mean > 0)) return {0.0, 0.0};
    return {100.0 * (m.error_min / m.error_mean - 1.0), 100.0 * (m.error_max / m.error_mean - 1.0)};
}

double finiteOrZero(double v) { return std::isfinite(v) ? v : 0.0; }

// A step of 1, 2 or 5 times a power of ten that cuts `span` into about five parts.
double niceStep(double span) {
    const double raw = span / 5.0;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0})
        if (m * power >= raw) return m * power;
    return 10.0 * power;
}

QString percentLabel(double percent, double step) {
    const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step))), 0, 3);
    return QString::number(percent, 'f', decimals) + "%";
}

}  // namespace

CalibrationPenaltyChart::CalibrationPenaltyChart(CalibrationModel* model, QWidget* parent) : QWidget(parent), model_(model) {
    setMouseTracking(true);
    setContextMenuPolicy(Qt::CustomContextMenu);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    connect(model_, &CalibrationModel::runChanged, this, qOverload<>(&QWidget::update));
}

double CalibrationPenaltyChart::Axis::y(double percent) const {
    return plot.bottom() - (percent - low) / (high - low) * plot.height();
}

CalibrationPenaltyChart::Axis CalibrationPenaltyChart::axis() const {
    Axis a;
    const QFontMetrics metrics(font());
    const int line = metrics.lineSpacing();
    // Title and legend above, two lines of names below.
    a.plot = QRectF(kLeft, 2.5 * line + 8, std::max(40, width() - kLeft - kRight), std::max(40.0, height() - 5.0 * line - 14));
    double low = 0.0, high = 0.0;
    for (int row = 0; row < model_->rowCount(); ++row) {
        const MethodCalibration& m = *model_->method(row);
        const double penalty = 100.0 * finiteOrZero(m.penalty);
        const auto [below, above] = whiskerOf(m);
        low = std::min({low, penalty, penalty + below});
        high = std::max({high, penalty, penalty + above});
    }
    // Every penalty 0 (the same set twice, or RTN alone): still a readable axis up to 1%.
    if (high - low < 1e-9) high = 1.0;
    a.step = niceStep(high - low);
    // The ends on whole steps; a value a hair past a step (rounding) does not add one.
    a.low = std::floor(low / a.step + 1e-9) * a.step;
    a.high = std::ceil(high / a.step - 1e-9) * a.step;
    // Room above the highest bar for its value.
    if ((a.high - high) / (a.high - a.low) < 0.08) a.high += a.step;
    if (low < 0 && (low - a.low) / (a.high - a.low) < 0.08) a.low -= a.step;
    return a;
}

std::vector<double> CalibrationPenaltyChart::ticks() const {
    const Axis a = axis();
    std::vector<double> values;
    for (double v = a.low; v <= a.high + a.step * 1e-6; v += a.step) values.push_back(std::abs(v) < a.step * 1e-6 ? 0.0 : v);
    return values;
}

std::vector<CalibrationPenaltyChart::Bar> CalibrationPenaltyChart::bars() const {
    std::vector<Bar> result;
    const int count = model_->rowCount();
    if (count == 0) return result;
    const Axis a = axis();
    const double slot = a.plot.width() / count;
    const double width = std::clamp(slot * 0.5, 6.0, 56.0);
    for (int row = 0; row < count; ++row) {
        const MethodCalibration& m = *model_->method(row);
        Bar bar;
        bar.method = m.method;
        bar.penalty = 100.0 * finiteOrZero(m.penalty);
        const auto [below, above] = whiskerOf(m);
        bar.low = bar.penalty + below;
        bar.high = bar.penalty + above;
        const double x = a.plot.left() + slot * (row + 0.5);
        const double top = a.y(std::max(bar.penalty, 0.0)), bottom = a.y(std::min(bar.penalty, 0.0));
        // A zero penalty still shows as a hairline on the axis.
        bar.rect = QRectF(x - width / 2, top, width, std::max(1.0, bottom - top));
        result.push_back(bar);
    }
    return result;
}

void CalibrationPenaltyChart::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QColor text = palette().color(QPalette::WindowText);
    const QFontMetrics metrics(font());
    const int line = metrics.lineSpacing();
    QFont bold = font();
    bold.setBold(true);
    painter.setFont(bold);
    painter.setPen(text);
    painter.drawText(QRectF(kLeft, 2, width() - kLeft - kRight, line), Qt::AlignLeft | Qt::AlignVCenter,
                     "Cross-calibration penalty per method");
    painter.setFont(font());
    QColor muted = text;
    muted.setAlphaF(0.75);
    painter.setPen(muted);
    const QString legend = model_->run()
                               ? QString("bar: E on B calibrated on A vs on B itself, in %  ·  whisker: E's range over %1 resamples "
                                         "of the tokens, about its mean")
                                     .arg(model_->run()->resamples)
                               : QString("Run the check to see each method's penalty.");
    painter.drawText(QRectF(kLeft, 2 + line, width() - kLeft - kRight, line), Qt::AlignLeft | Qt::AlignVCenter,
                     metrics.elidedText(legend, Qt::ElideRight, width() - kLeft - kRight));
    if (model_->rowCount() == 0) return;

    const Axis a = axis();
    QColor grid = text;
    grid.setAlphaF(0.15);
    for (double tick : ticks()) {
        const double y = a.y(tick);
        painter.setPen(QPen(tick == 0.0 ? text : grid, 1));
        painter.drawLine(QPointF(a.plot.left(), y), QPointF(a.plot.right(), y));
        painter.setPen(text);
        painter.drawText(QRectF(0, y - line / 2.0, kLeft - 6, line), Qt::AlignRight | Qt::AlignVCenter, percentLabel(tick, a.step));
    }
    painter.save();
    painter.translate(12, a.plot.center().y());
    painter.rotate(-90);
    painter.drawText(QRectF(-a.plot.height() / 2, -line / 2.0, a.plot.height(), line), Qt::AlignCenter, "penalty");
    painter.restore();

    const double slot = a.plot.width() / model_->rowCount();
    for (const Bar& bar : bars()) {
        painter.fillRect(bar.rect, SweepTab::methodColour(bar.method));
        // The whisker, with caps, on the bar's end.
        const double x = bar.rect.center().x(), cap = std::min(8.0, bar.rect.width() / 3);
        painter.setPen(QPen(text, 1.5));
        painter.drawLine(QPointF(x, a.y(bar.low)), QPointF(x, a.y(bar.high)));
        painter.drawLine(QPointF(x - cap, a.y(bar.low)), QPointF(x + cap, a.y(bar.low)));
        painter.drawLine(QPointF(x - cap, a.y(bar.high)), QPointF(x + cap, a.y(bar.high)));
        // The value beyond whichever end is further out, so neither hides it.
        const bool negative = bar.penalty < 0;
        const double end = negative ? std::max(a.y(bar.low), bar.rect.bottom()) : std::min(a.y(bar.high), bar.rect.top());
        const QRectF value(x - slot / 2, negative ? end + 2 : end - line - 2, slot, line);
        painter.drawText(value, Qt::AlignCenter, QString::number(bar.penalty, 'f', 2) + "%");
    }
    // Names under the plot: the method, then its budget; in a smaller font when many methods
    // leave a name too little room, and cut short only past that.
    QFont names = font();
    for (int row = 0; row < model_->rowCount(); ++row) {
        const MethodCalibration& m = *model_->method(row);
        for (const QString& name : {methodLabel(m.method), QString::fromStdString(m.budget)})
            if (metrics.horizontalAdvance(name) > slot - 4) names.setPointSizeF(font().pointSizeF() * 0.85);
    }
    painter.setFont(names);
    const QFontMetrics nameMetrics(names);
    for (int row = 0; row < model_->rowCount(); ++row) {
        const MethodCalibration& m = *model_->method(row);
        const double left = a.plot.left() + slot * row;
        painter.setPen(text);
        painter.drawText(QRectF(left, a.plot.bottom() + 4, slot, line), Qt::AlignCenter,
                         nameMetrics.elidedText(methodLabel(m.method), Qt::ElideRight, static_cast<int>(slot) - 2));
        painter.setPen(muted);
        painter.drawText(QRectF(left, a.plot.bottom() + 4 + line, slot, line), Qt::AlignCenter,
                         nameMetrics.elidedText(QString::fromStdString(m.budget), Qt::ElideRight, static_cast<int>(slot) - 2));
    }
}

void CalibrationPenaltyChart::mouseMoveEvent(QMouseEvent* event) {
    const int count = model_->rowCount();
    const Axis a = axis();
    if (count == 0 || !a.plot.adjusted(0, 0, 0, 40).contains(event->position())) {
        QToolTip::hideText();
        return;
    }
    const int row = std::clamp(static_cast<int>((event->position().x() - a.plot.left()) / (a.plot.width() / count)), 0, count - 1);
    const MethodCalibration& m = *model_->method(row);
    QToolTip::showText(event->globalPosition().toPoint(),
                       QString("%1 %2: penalty %3%<br>E on B: %4 calibrated on A, %5 calibrated on B<br>E over the resamples: "
                               "%6 – %7 (mean %8)")
                           .arg(methodLabel(m.method), QString::fromStdString(m.budget))
                           .arg(100.0 * m.penalty, 0, 'f', 2)
                           .arg(m.error_on_b_calibrated_on_a, 0, 'g', 6)
                           .arg(m.error_on_b_calibrated_on_b, 0, 'g', 6)
                           .arg(m.error_min, 0, 'g', 6)
                           .arg(m.error_max, 0, 'g', 6)
                           .arg(m.error_mean, 0, 'g', 6),
                       this);
}

}  // namespace layerlens::ui

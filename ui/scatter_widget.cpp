#include "scatter_widget.h"

#include <QMouseEvent>
#include <QPainter>
#include <cmath>
#include <vector>

#include "channel_focus.h"
#include "colour_map.h"
#include "scatter_colours.h"

namespace layerlens::ui {

namespace {
QString tick(double v) { return QString::number(v, 'g', 2); }
}  // namespace

ScatterWidget::ScatterWidget(ChannelFocus* focus, QWidget* parent) : QWidget(parent), focus_(focus) {
    setMouseTracking(true);
    setMinimumSize(80, 100);
    setToolTip("One dot per input channel: right = larger weights, up = larger contribution |W|·a; "
               "coloured dots are the channels this method protected or kept.");
    connect(focus_, &ChannelFocus::channelChanged, this, qOverload<>(&QWidget::update));
    connect(focus_, &ChannelFocus::highlightedChanged, this, qOverload<>(&QWidget::update));
    connect(focus_, &ChannelFocus::marksChanged, this, qOverload<>(&QWidget::update));
}

void ScatterWidget::setLayer(std::shared_ptr<const LayerViewData> layer) {
    layer_ = std::move(layer);
    updateRange();
    update();
}

void ScatterWidget::setProtection(const ChannelProtection* protection) {
    protection_ = protection;
    update();
}

void ScatterWidget::setLogAxes(bool on) {
    logAxes_ = on;
    updateRange();
    update();
}

void ScatterWidget::setAxisLabelsShown(bool on) {
    if (on == axisLabels_) return;
    axisLabels_ = on;
    update();
}

QString ScatterWidget::axesText() const {
    if (range_.isEmpty()) return {};
    return QString("x = weight mean |W_ij| %1 … %2, y = contribution |W|·a %3 … %4%5")
        .arg(tick(range_.left()), tick(range_.right()), tick(range_.top()), tick(range_.bottom()),
             logAxes_ ? " (log axes)" : "");
}

void ScatterWidget::updateRange() {
    range_ = {};
    if (!layer_ || layer_->channelWeight.empty()) return;
    double x0 = INFINITY, x1 = 0, y0 = INFINITY, y1 = 0;
    for (size_t j = 0; j < layer_->channelWeight.size(); ++j) {
        const double x = layer_->channelWeight[j], y = layer_->channelContribution[j];
        if (x > 0) x0 = std::min(x0, x), x1 = std::max(x1, x);
        if (y > 0) y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
    if (!(x1 > 0) || !(y1 > 0)) return;
    if (logAxes_) {
        // Pad by a fifth of a decade so no point sits on the frame.
        range_ = QRectF(QPointF(x0 / 1.6, y0 / 1.6), QPointF(x1 * 1.6, y1 * 1.6));
    } else {
        range_ = QRectF(QPointF(0, 0), QPointF(x1 * 1.05, y1 * 1.05));
    }
}

QRectF ScatterWidget::plotRect() const {
    return axisLabels_ ? QRectF(44, 6, width() - 52, height() - 40) : QRectF(4, 6, width() - 8, height() - 24);
}

QPointF ScatterWidget::toPixel(double x, double y) const {
    const QRectF p = plotRect();
    double fx, fy;
    if (logAxes_) {
        fx = std::log(std::max(x, range_.left()) / range_.left()) / std::log(range_.right() / range_.left());
        fy = std::log(std::max(y, range_.top()) / range_.top()) / std::log(range_.bottom() / range_.top());
    } else {
        fx = (x - range_.left()) / range_.width();
        fy = (y - range_.top()) / range_.height();
    }
    return {p.left() + fx * p.width(), p.bottom() - fy * p.height()};
}

void ScatterWidget::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QRectF plot = plotRect();
    painter.fillRect(plot, palette().color(QPalette::Base));
    painter.setPen(QPen(palette().color(QPalette::Mid), 1));
    painter.drawRect(plot);
    drawnMarks_.clear();
    if (!layer_ || range_.isEmpty()) return;
    drawAxisLabels(painter, plot);
    painter.setClipRect(plot);
    const size_t n = layer_->channelWeight.size();
    const double radius = n > 4000 ? 1.5 : 2.5;
    // Uncoloured points first, then the coloured ones on top so they are never hidden.
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor(150, 150, 150, 150));
    for (size_t j = 0; j < n; ++j)
        painter.drawEllipse(toPixel(layer_->channelWeight[j], layer_->channelContribution[j]), radius, radius);
    drawProtection(painter, radius);
    // The busiest channels: a thin ring well outside the dot, so the method's colour inside stays seen.
    painter.setBrush(Qt::NoBrush);
    painter.setPen(QPen(scatterBusiestColour(), 1.2));
    for (int j : focus_->highlighted())
        if (j >= 0 && static_cast<size_t>(j) < n)
            painter.drawEllipse(toPixel(layer_->channelWeight[j], layer_->channelContribution[j]), radius + 6.0, radius + 6.0);
    drawMarks(painter, radius);
    const int j = focus_->channel();
    if (j >= 0 && static_cast<size_t>(j) < n) {
        const QPointF at = toPixel(layer_->channelWeight[j], layer_->channelContribution[j]);
        painter.setPen(QPen(QColor(0, 220, 100), 1, Qt::DashLine));
        painter.drawLine(QPointF(plot.left(), at.y()), QPointF(plot.right(), at.y()));
        painter.drawLine(QPointF(at.x(), plot.top()), QPointF(at.x(), plot.bottom()));
        painter.setPen(QPen(QColor(0, 220, 100), 2));
        painter.drawEllipse(at, 7, 7);
    }
}

void ScatterWidget::drawAxisLabels(QPainter& painter, const QRectF& plot) {
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    painter.setFont(small);
    painter.setPen(palette().color(QPalette::WindowText));
    if (!axisLabels_) {
        painter.drawText(QRectF(0, plot.bottom() + 2, width(), 16), Qt::AlignHCenter | Qt::AlignTop, "weight →");
        return;
    }
    painter.drawText(QRectF(0, plot.bottom() + 16, width(), 18), Qt::AlignHCenter | Qt::AlignTop,
                     "weight  mean |W_ij|" + QString(logAxes_ ? " (log)" : ""));
    painter.drawText(QRectF(plot.left() - 44, plot.top(), 42, 14), Qt::AlignRight, tick(range_.bottom()));
    painter.drawText(QRectF(plot.left() - 44, plot.bottom() - 14, 42, 14), Qt::AlignRight, tick(range_.top()));
    painter.drawText(QRectF(plot.left(), plot.bottom() + 2, 60, 14), Qt::AlignLeft, tick(range_.left()));
    painter.drawText(QRectF(plot.right() - 60, plot.bottom() + 2, 60, 14), Qt::AlignRight, tick(range_.right()));
    painter.save();
    painter.translate(10, plot.center().y());
    painter.rotate(-90);
    painter.drawText(QRectF(-plot.height() / 2, -8, plot.height(), 16), Qt::AlignCenter, "contribution |W|·a");
    painter.restore();
}

void ScatterWidget::drawProtection(QPainter& painter, double radius) {
    const size_t n = layer_->channelWeight.size();
    if (!protection_ || protection_->values.size() != n) return;
    const ChannelProtection& p = *protection_;
    const QColor text = palette().color(QPalette::WindowText);
    std::vector<size_t> singled;
    for (size_t j = 0; j < n; ++j) {
        if (p.marked[j]) {
            singled.push_back(j);
            continue;
        }
        const double t = colourPosition(p.values[j], p.lo, p.hi, false);
        if (t < 0.05) continue;
        QColor c = p.higherIsProtected ? scatterProtectedColour() : scatterErrorColour();
        // t² keeps middling values faint, so the extremes of the story carry the colour.
        c.setAlphaF(0.15 + 0.85 * t * t);
        painter.setBrush(c);
        painter.setPen(Qt::NoPen);
        painter.drawEllipse(toPixel(layer_->channelWeight[j], layer_->channelContribution[j]), radius, radius);
    }
    // The singled-out channels last and larger, so one protected channel among a thousand is
    // found at a glance; a few are also named.
    QColor solid = p.higherIsProtected ? scatterProtectedColour() : scatterErrorColour();
    painter.setBrush(solid);
    painter.setPen(QPen(text, 1.2));
    for (size_t j : singled) painter.drawEllipse(toPixel(layer_->channelWeight[j], layer_->channelContribution[j]), radius + 2.5, radius + 2.5);
    if (singled.size() <= 3) {
        QFont small = font();
        small.setPointSizeF(small.pointSizeF() * 0.75);
        painter.setFont(small);
        for (size_t j : singled) {
            const QPointF at = toPixel(layer_->channelWeight[j], layer_->channelContribution[j]);
            painter.drawText(QRectF(at.x() + radius + 4, at.y() - 7, 60, 14), Qt::AlignLeft | Qt::AlignVCenter,
                             QString::number(j));
        }
    }
}

void ScatterWidget::drawMarks(QPainter& painter, double radius) {
    // Bigger than the protected dots, so a marked channel reads at a glance; the square larger
    // than the ring, so two marks on one spot nest rather than hide each other.
    const size_t n = layer_->channelWeight.size();
    painter.setBrush(Qt::NoBrush);
    for (const ChannelMarks& group : focus_->marks()) {
        ChannelMarks drawn = group;
        drawn.channels.clear();
        painter.setPen(QPen(group.colour, 2.5));
        for (int j : group.channels) {
            if (j < 0 || static_cast<size_t>(j) >= n) continue;
            const QPointF at = toPixel(layer_->channelWeight[j], layer_->channelContribution[j]);
            if (group.shape == ChannelMarks::Shape::Square) {
                const double half = radius + 6.5;
                painter.drawRect(QRectF(at.x() - half, at.y() - half, 2 * half, 2 * half));
            } else {
                painter.drawEllipse(at, radius + 4.0, radius + 4.0);
            }
            drawn.channels.append(j);
        }
        drawnMarks_.append(drawn);
    }
}

void ScatterWidget::mouseMoveEvent(QMouseEvent* event) {
    if (!layer_ || range_.isEmpty()) return;
    int best = -1;
    double bestDistance = 64.0;   // 8 px
    for (size_t j = 0; j < layer_->channelWeight.size(); ++j) {
        const QPointF d = toPixel(layer_->channelWeight[j], layer_->channelContribution[j]) - event->position();
        const double distance = d.x() * d.x() + d.y() * d.y();
        if (distance < bestDistance) bestDistance = distance, best = static_cast<int>(j);
    }
    if (best >= 0) focus_->setChannel(best);
}

void ScatterWidget::leaveEvent(QEvent*) { focus_->setChannel(-1); }

}  // namespace layerlens::ui

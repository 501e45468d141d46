#include "mask_strip_widget.h"

#include <QFontMetrics>
#include <QMouseEvent>
#include <QPainter>
#include <algorithm>
#include <cmath>

#include "channel_focus.h"
#include "colour_map.h"
#include "heatmap_state.h"

namespace layerlens::ui {

MaskStripWidget::MaskStripWidget(HeatmapState* state, ChannelFocus* focus, QWidget* parent)
    : QWidget(parent), state_(state), focus_(focus) {
    setMouseTracking(true);
    setMinimumHeight(40);
    setToolTip("Per input channel, how strongly this method protected it (AWQ scales, kept channels, "
               "kept fraction); ticks mark the channels it singled out.");
    connect(state_, &HeatmapState::changed, this, qOverload<>(&QWidget::update));
    connect(focus_, &ChannelFocus::channelChanged, this, qOverload<>(&QWidget::update));
}

void MaskStripWidget::setProtection(const ChannelProtection* protection) {
    protection_ = protection;
    update();
}

int MaskStripWidget::markedCount() const {
    if (!protection_) return 0;
    int count = 0;
    for (char m : protection_->marked) count += m != 0;
    return count;
}

void MaskStripWidget::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const QColor text = palette().color(QPalette::WindowText);
    const QRectF bars(0, 16, width(), height() - 24);
    painter.fillRect(bars, palette().color(QPalette::Base));
    if (!protection_ || protection_->values.empty()) return;
    const ChannelProtection& p = *protection_;
    const QRectF v = state_->visible();
    const double perPixel = v.width() / std::max(1, width());
    const QColor fill = p.higherIsProtected ? QColor(230, 90, 20) : QColor(150, 40, 200);
    const int n = static_cast<int>(p.values.size());
    for (int x = 0; x < width(); ++x) {
        // Max over the channels under the pixel, so a single protected channel is never lost.
        const int j0 = static_cast<int>(std::floor(v.left() + x * perPixel));
        const int j1 = std::max(j0 + 1, static_cast<int>(std::ceil(v.left() + (x + 1) * perPixel)));
        double value = -INFINITY;
        bool marked = false;
        for (int j = std::max(0, j0); j < std::min(n, j1); ++j) {
            value = std::max(value, p.values[static_cast<size_t>(j)]);
            marked = marked || p.marked[static_cast<size_t>(j)];
        }
        if (value == -INFINITY) continue;
        const double t = colourPosition(value, p.lo, p.hi, false);
        painter.fillRect(QRectF(x, bars.bottom() - t * bars.height(), 1, t * bars.height()), fill);
        if (marked) painter.fillRect(QRectF(x, bars.bottom() + 1, 1, 6), text);
    }
    if (focus_->channel() >= 0) {
        const double x = (focus_->channel() + 0.5 - v.left()) / perPixel;
        painter.setPen(QPen(QColor(0, 220, 100), 2));
        painter.drawLine(QPointF(x, bars.top()), QPointF(x, height()));
    }
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    painter.setFont(small);
    painter.setPen(text);
    // Elided, not cut, in a narrow column: "protected channels: 10 of 1…".
    const QString caption = QFontMetrics(small).elidedText(QString::fromStdString(p.label + ": " + p.summary),
                                                           Qt::ElideRight, std::max(0, width() - 4));
    painter.drawText(QRectF(2, 0, width() - 4, 16), Qt::AlignLeft | Qt::AlignVCenter, caption);
}

void MaskStripWidget::mouseMoveEvent(QMouseEvent* event) {
    if (!protection_) return;
    const QRectF v = state_->visible();
    const int j = static_cast<int>(v.left() + event->position().x() / std::max(1, width()) * v.width());
    if (j >= 0 && j < static_cast<int>(protection_->values.size())) focus_->setChannel(j);
}

void MaskStripWidget::leaveEvent(QEvent*) { focus_->setChannel(-1); }

}  // namespace layerlens::ui

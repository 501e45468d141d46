#include "teach_bars_widget.h"

#include <QPainter>
#include <cmath>

namespace layerlens::ui {

TeachBarsWidget::TeachBarsWidget(QWidget* parent) : QWidget(parent) {
    setMinimumHeight(200);
    setToolTip("Per channel: contribution before rounding (blue), after (light blue) and the damage (red).");
}

void TeachBarsWidget::setChannels(const QVector<TeachChannel>& channels) {
    channels_ = channels;
    update();
}

TeachBarsWidget::Geometry TeachBarsWidget::geometry() const {
    Geometry g;
    if (channels_.isEmpty()) return g;
    const QFontMetrics metrics(font());
    const int line = metrics.height();
    const int labelWidth = metrics.horizontalAdvance("channel A  ") + 8;
    const int rowHeight = (height() - line) / static_cast<int>(channels_.size());
    const int h = std::max(6, (rowHeight - 12) / 3);
    // Values and labels first: the scale must hold the longest bar and, right of it, its label.
    struct Pending {
        double value;
        QString label;
        int row, channel;
    };
    QVector<Pending> pending;
    double lowest = 0.0, highest = 1e-9;
    for (int k = 0; k < channels_.size(); ++k) {
        const TeachChannel& c = channels_[k];
        const double contribution = c.weight * c.activation, rounded = c.rounded * c.activation;
        const double hurt = std::abs(contribution - rounded);
        // The seed's notation: 0.20 × 20 = 4.00.
        pending.append({contribution,
                        QString("%1 × %2 = %3").arg(c.weight, 0, 'f', 2).arg(c.activation, 0, 'g', 3).arg(contribution, 0, 'f', 2),
                        0, k});
        pending.append({rounded,
                        QString("%1 × %2 = %3  after rounding")
                            .arg(c.rounded, 0, 'f', 2)
                            .arg(c.activation, 0, 'g', 3)
                            .arg(rounded, 0, 'f', 2),
                        1, k});
        pending.append({hurt, QString("damage %1").arg(hurt, 0, 'f', 2), 2, k});
        for (double v : {contribution, rounded, hurt}) lowest = std::min(lowest, v), highest = std::max(highest, v);
    }
    int textWidth = 0;
    for (const Pending& p : pending) textWidth = std::max(textWidth, metrics.horizontalAdvance(p.label));
    // A label sits right of its bar's end, or right of the zero line for a negative bar.
    const int barWidth = std::max(40, width() - labelWidth - textWidth - 12);
    const double span = highest - lowest;
    g.zeroX = labelWidth + static_cast<int>(std::lround(-lowest / span * barWidth));
    for (const Pending& p : pending) {
        const int y = p.channel * rowHeight + 4 + p.row * (h + 2);
        const int end = labelWidth + static_cast<int>(std::lround((p.value - lowest) / span * barWidth));
        Bar bar;
        bar.value = p.value;
        bar.label = p.label;
        bar.rect = p.value < 0 ? QRect(end, y, std::max(1, g.zeroX - end), h) : QRect(g.zeroX, y, std::max(1, end - g.zeroX), h);
        const int textX = std::max(bar.rect.right(), g.zeroX) + 6;
        bar.labelRect = QRect(textX, y + h / 2 - line / 2, metrics.horizontalAdvance(p.label) + 2, line);
        g.bars.append(bar);
    }
    return g;
}

void TeachBarsWidget::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QColor text = palette().color(QPalette::WindowText);
    if (channels_.isEmpty()) return;
    const QFontMetrics metrics(font());
    const int line = metrics.height();
    const int labelWidth = metrics.horizontalAdvance("channel A  ") + 8;
    const int rowHeight = (height() - line) / static_cast<int>(channels_.size());
    const Geometry g = geometry();
    const QColor colours[3] = {QColor(52, 101, 164), QColor(114, 159, 207), QColor(204, 0, 0)};
    painter.setPen(text);
    for (int k = 0; k < channels_.size(); ++k)
        painter.drawText(QRect(0, k * rowHeight + 4, labelWidth, line), Qt::AlignLeft | Qt::AlignVCenter, channels_[k].name);
    for (int i = 0; i < g.bars.size(); ++i) {
        const Bar& bar = g.bars[i];
        painter.fillRect(bar.rect, colours[i % 3]);
        painter.setPen(text);
        painter.drawText(bar.labelRect, Qt::AlignLeft | Qt::AlignVCenter, bar.label);
    }
    // The zero line the bars grow from.
    QColor axis = text;
    axis.setAlphaF(0.6);
    painter.setPen(QPen(axis, 1));
    painter.drawLine(g.zeroX, 2, g.zeroX, height() - line - 2);
    painter.setPen(text);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    painter.setFont(small);
    painter.drawText(QRect(0, height() - line, width(), line), Qt::AlignLeft,
                     "blue: contribution w × a before rounding · light blue: after · red: damage · bars left of the line are negative");
}

}  // namespace layerlens::ui

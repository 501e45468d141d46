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

void TeachBarsWidget::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QColor text = palette().color(QPalette::WindowText);
    if (channels_.isEmpty()) return;
    double top = 1e-9;
    for (const TeachChannel& c : channels_)
        top = std::max({top, std::abs(c.weight * c.activation), std::abs(c.rounded * c.activation)});
    const QFontMetrics metrics(font());
    const int line = metrics.height();
    const int labelWidth = metrics.horizontalAdvance("channel A  ") + 8;
    const int rowHeight = (height() - line) / channels_.size();
    // Room on the right for the longest label, so the longest bar never pushes its text out.
    const int barWidth = std::max(40, width() - labelWidth - metrics.horizontalAdvance("00.00 × 00.0 = 00.00  after rounding") - 12);
    const QColor before(52, 101, 164), after(114, 159, 207), damage(204, 0, 0);
    for (int k = 0; k < channels_.size(); ++k) {
        const TeachChannel& c = channels_[k];
        const int y = k * rowHeight + 4;
        const double contribution = c.weight * c.activation, rounded = c.rounded * c.activation;
        const double hurt = std::abs(contribution - rounded);
        painter.setPen(text);
        painter.drawText(QRect(0, y, labelWidth, line), Qt::AlignLeft | Qt::AlignVCenter, c.name);
        const int h = std::max(6, (rowHeight - 12) / 3);
        auto bar = [&](int row, double value, const QColor& colour, const QString& label) {
            const int w = static_cast<int>(std::abs(value) / top * barWidth);
            const QRect r(labelWidth, y + row * (h + 2), std::max(1, w), h);
            painter.fillRect(r, colour);
            painter.setPen(text);
            painter.drawText(QRect(r.right() + 6, r.top() - 2, width() - r.right() - 6, h + 4), Qt::AlignLeft | Qt::AlignVCenter, label);
        };
        // The seed's notation: 0.20 × 20 = 4.00.
        bar(0, contribution, before, QString("%1 × %2 = %3").arg(c.weight, 0, 'f', 2).arg(c.activation, 0, 'g', 3).arg(contribution, 0, 'f', 2));
        bar(1, rounded, after, QString("%1 × %2 = %3  after rounding").arg(c.rounded, 0, 'f', 2).arg(c.activation, 0, 'g', 3).arg(rounded, 0, 'f', 2));
        bar(2, hurt, damage, QString("damage %1").arg(hurt, 0, 'f', 2));
    }
    painter.setPen(text);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    painter.setFont(small);
    painter.drawText(QRect(0, height() - line, width(), line), Qt::AlignLeft,
                     "blue: contribution w × a before rounding · light blue: after · red: damage");
}

}  // namespace layerlens::ui

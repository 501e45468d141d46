#include "colour_bar_widget.h"

#include <QPainter>

#include "colour_map.h"
#include "heatmap_state.h"

namespace layerlens::ui {

ColourBarWidget::ColourBarWidget(HeatmapState* state, QWidget* parent) : QWidget(parent), state_(state) {
    setMinimumSize(220, 30);
    setToolTip("One colour scale for every column, so equal colours mean equal values.");
    connect(state_, &HeatmapState::changed, this, qOverload<>(&QWidget::update));
}

void ColourBarWidget::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const QRect bar(60, 2, width() - 120, 12);
    for (int x = 0; x < bar.width(); ++x)
        painter.fillRect(bar.left() + x, bar.top(), 1, bar.height(), QColor(infernoColour(double(x) / std::max(1, bar.width() - 1))));
    painter.setPen(palette().color(QPalette::WindowText));
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    painter.setFont(small);
    painter.drawText(QRect(0, 0, 58, 16), Qt::AlignRight | Qt::AlignVCenter, QString::number(state_->low(), 'g', 2));
    painter.drawText(QRect(bar.right() + 4, 0, 58, 16), Qt::AlignLeft | Qt::AlignVCenter, QString::number(state_->high(), 'g', 2));
    painter.drawText(QRect(bar.left(), 15, bar.width(), 14), Qt::AlignCenter, state_->logScale() ? "log scale" : "linear scale");
}

}  // namespace layerlens::ui

#include "layer_map_colour_bar.h"

#include <QPainter>
#include <algorithm>
#include <cmath>
#include <utility>

#include "colour_map.h"
#include "layer_map_geometry.h"
#include "layer_map_model.h"
#include "log_ticks.h"

namespace layerlens::ui {

namespace {
constexpr int kBarWidth = 16;
constexpr int kLeft = 6;
}  // namespace

LayerMapColourBar::LayerMapColourBar(LayerMapModel* model, QWidget* parent) : QWidget(parent), model_(model) {
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Expanding);
    setToolTip("E of every cell on one log scale, so equal colours mean equal E in every column.");
    connect(model_, &LayerMapModel::mapChanged, this, qOverload<>(&QWidget::update));
    connect(model_, &QAbstractItemModel::modelReset, this, qOverload<>(&QWidget::update));
}

QSize LayerMapColourBar::sizeHint() const {
    const QFontMetrics metrics(font());
    return {kLeft + kBarWidth + 6 + metrics.horizontalAdvance("0.000123") + 6, 200};
}

std::vector<double> LayerMapColourBar::ticks() const { return logTicks(model_->lowError(), model_->highError()); }

void LayerMapColourBar::paintEvent(QPaintEvent*) {
    const double low = model_->lowError(), high = model_->highError();
    if (!(low > 0) || !(high > 0)) return;
    QPainter painter(this);
    const QFontMetrics metrics(font());
    const LayerMapRows rows = layerMapRows(height(), model_->rowCount(), metrics);
    const int top = rows.top, bottom = static_cast<int>(rows.bottom());
    const QRect bar(kLeft, top, kBarWidth, std::max(1, bottom - top));
    const QColor text = palette().color(QPalette::WindowText);
    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.9);
    const QFontMetrics smallMetrics(small);
    const double half = smallMetrics.height() / 2.0;
    QFont bold = font();
    bold.setBold(true);
    painter.setFont(bold);
    painter.setPen(text);
    // The title ends above the top end's label, which is centred on the bar's top.
    painter.drawText(QRectF(0, top - half - 2 - 2 * metrics.lineSpacing(), width(), 2 * metrics.lineSpacing()),
                     Qt::AlignHCenter | Qt::AlignBottom, "E\n(log)");
    // High at the top, as a value axis reads.
    for (int y = 0; y < bar.height(); ++y) {
        const double t = 1.0 - double(y) / std::max(1, bar.height() - 1);
        painter.fillRect(bar.left(), bar.top() + y, bar.width(), 1, QColor(infernoColour(t)));
    }
    painter.setPen(QPen(text, 1));
    painter.drawRect(bar.adjusted(0, 0, -1, -1));
    painter.setFont(small);
    // The two ends first (the range of E shown), then the ticks that do not crowd them.
    std::vector<std::pair<double, bool>> labels{{low, false}, {high, false}};
    for (double tick : ticks()) labels.push_back({tick, true});
    std::vector<double> taken;
    for (const auto& [value, tick] : labels) {
        const double y = bar.bottom() - colourPosition(value, low, high, true) * (bar.height() - 1);
        if (tick) painter.drawLine(QPointF(bar.right() + 1, y), QPointF(bar.right() + 5, y));
        if (std::any_of(taken.begin(), taken.end(), [&](double other) { return std::abs(other - y) < 2 * half; })) continue;
        taken.push_back(y);
        QColor ink = text;
        if (!tick) ink.setAlphaF(0.6);
        painter.setPen(ink);
        painter.drawText(QRectF(bar.right() + 7, y - half, width() - bar.right() - 7, 2 * half), Qt::AlignLeft | Qt::AlignVCenter,
                         tickLabel(value));
        painter.setPen(QPen(text, 1));
    }
}

}  // namespace layerlens::ui

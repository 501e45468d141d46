#include "layer_map_bars.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>

#include "layer_map_geometry.h"
#include "layer_map_model.h"
#include "log_ticks.h"

namespace layerlens::ui {

namespace {

constexpr int kMargin = 10;
const QColor kBar(74, 127, 181);
const QColor kOutlier(214, 39, 40);

}  // namespace

LayerMapBars::LayerMapBars(LayerMapModel* model, QWidget* parent) : QWidget(parent), model_(model) {
    setMouseTracking(true);
    setContextMenuPolicy(Qt::CustomContextMenu);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Expanding);
    connect(model_, &LayerMapModel::mapChanged, this, qOverload<>(&QWidget::update));
    connect(model_, &QAbstractItemModel::modelReset, this, qOverload<>(&QWidget::update));
    connect(model_, &QAbstractItemModel::dataChanged, this, qOverload<>(&QWidget::update));
}

double LayerMapBars::Axis::x(double E) const {
    const double t = (std::log10(std::max(E, 1e-300)) - lowLog) / (highLog - lowLog);
    return left + std::clamp(t, 0.0, 1.0) * (right - left);
}

void LayerMapBars::setLayerNames(bool on) {
    layerNames_ = on;
    update();
}

int LayerMapBars::namesWidth() const {
    if (!layerNames_) return 0;
    const QFontMetrics metrics(font());
    int widest = 0;
    for (int row = 0; row < model_->rowCount(); ++row)
        widest = std::max(widest, metrics.horizontalAdvance(model_->layerName(row)));
    return widest + 8;
}

int LayerMapBars::left() const { return namesWidth() + kMargin; }

int LayerMapBars::valueWidth() const {
    return QFontMetrics(font()).horizontalAdvance("0.0000  (10.0× median)") + 8;
}

LayerMapBars::Axis LayerMapBars::axis() const {
    // Whole decades around the selected point's values, so the ends are labelled ticks.
    Axis a;
    double low = 0, high = 0;
    const int column = model_->selectedColumn();
    for (int row = 0; row < model_->rowCount(); ++row)
        if (const auto E = model_->errorAt(row, column); E && *E > 0) {
            low = low > 0 ? std::min(low, *E) : *E;
            high = std::max(high, *E);
        }
    if (low > 0) {
        a.lowLog = std::floor(std::log10(low));
        a.highLog = std::max(a.lowLog + 1, std::ceil(std::log10(high)));
    }
    a.left = left();
    a.right = std::max<double>(a.left + 40, width() - valueWidth());
    return a;
}

std::vector<double> LayerMapBars::ticks() const {
    const Axis a = axis();
    return logTicks(std::pow(10.0, a.lowLog), std::pow(10.0, a.highLog));
}

std::vector<LayerMapBars::Bar> LayerMapBars::bars() const {
    std::vector<Bar> result;
    const LayerMapRows rows = layerMapRows(height(), model_->rowCount(), QFontMetrics(font()));
    const Axis a = axis();
    const int column = model_->selectedColumn();
    const double thickness = std::max(2.0, rows.height * 0.7);
    for (int row = 0; row < model_->rowCount(); ++row) {
        const auto E = model_->errorAt(row, column);
        if (!E) continue;
        Bar bar;
        bar.row = row;
        bar.layer = model_->layerName(row);
        bar.error = *E;
        bar.outlier = model_->isOutlier(row, column);
        const double end = std::max(a.left + 1, a.x(*E));
        bar.rect = QRectF(a.left, rows.y(row) + (rows.height - thickness) / 2, end - a.left, thickness);
        result.push_back(bar);
    }
    return result;
}

void LayerMapBars::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const int column = model_->selectedColumn();
    if (model_->columnCount() == 0 || model_->rowCount() == 0) return;
    const QFontMetrics metrics(font());
    const int line = metrics.lineSpacing();
    const LayerMapRows rows = layerMapRows(height(), model_->rowCount(), metrics);
    const Axis a = axis();
    const QColor text = palette().color(QPalette::WindowText);

    // The header band, as tall as the heatmap's: title, how to read it, then the tick labels.
    QFont bold = font();
    bold.setBold(true);
    painter.setFont(bold);
    painter.setPen(text);
    const int x0 = left();
    painter.drawText(QRect(x0, 2, width() - x0, line), Qt::AlignLeft | Qt::AlignVCenter,
                     metrics.elidedText("E of " + model_->pointLabel(column) + " per layer", Qt::ElideRight, width() - x0));
    painter.setFont(font());
    const auto median = model_->median(column);
    QString legend = "log scale";
    if (median) legend += QString(" · dashed: median %1").arg(*median, 0, 'g', 3);
    painter.drawText(QRect(x0, 2 + line, width() - x0, line), Qt::AlignLeft | Qt::AlignVCenter, legend);
    painter.setPen(kOutlier);
    painter.drawText(QRect(x0, 2 + 2 * line, width() - x0, line), Qt::AlignLeft | Qt::AlignVCenter,
                     QString("red: above %1× the median").arg(model_->outlierFactor()));

    // Ticks: labels above the plot, light lines down through it.
    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.9);
    painter.setFont(small);
    const QFontMetrics smallMetrics(small);
    QColor grid = text;
    grid.setAlphaF(0.18);
    double lastLabelRight = -1e9;
    for (double tick : ticks()) {
        const double x = a.x(tick);
        painter.setPen(QPen(grid, 1));
        painter.drawLine(QPointF(x, rows.top - 3), QPointF(x, rows.bottom()));
        const QString label = tickLabel(tick);
        const double half = smallMetrics.horizontalAdvance(label) / 2.0 + 2;
        // Centred on the tick, but never past the plot's left edge.
        const double from = std::max<double>(x0 - kMargin, x - half);
        // A label that would overlap the previous one is left out.
        if (from < lastLabelRight) continue;
        painter.setPen(text);
        painter.drawText(QRectF(from, rows.top - 3 - line, 2 * half, line), Qt::AlignCenter, label);
        lastLabelRight = from + 2 * half;
    }

    if (layerNames_) {
        painter.setFont(font());
        painter.setPen(text);
        for (int row = 0; row < model_->rowCount(); ++row)
            painter.drawText(QRectF(0, rows.y(row), namesWidth() - 4, rows.height), Qt::AlignRight | Qt::AlignVCenter,
                             model_->layerName(row));
        painter.setFont(small);
    }
    if (median && *median > 0) {
        painter.setPen(QPen(text, 1, Qt::DashLine));
        painter.drawLine(QPointF(a.x(*median), rows.top), QPointF(a.x(*median), rows.bottom()));
    }
    for (const Bar& bar : bars()) {
        painter.fillRect(bar.rect, bar.outlier ? kOutlier : kBar);
        QString value = QString::number(bar.error, 'g', 3);
        if (bar.outlier && median && *median > 0) value += QString("  (%1× median)").arg(bar.error / *median, 0, 'f', 1);
        if (rows.height < smallMetrics.height() - 2) continue;
        // On a patch of the background, so the median's line never runs through the digits.
        const QRectF label(bar.rect.right() + 3, rows.y(bar.row), smallMetrics.horizontalAdvance(value) + 4, rows.height);
        painter.fillRect(label.adjusted(0, 1, 0, -1), palette().color(QPalette::Window));
        painter.setPen(bar.outlier ? kOutlier : text);
        painter.drawText(label.adjusted(1, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter, value);
    }
    // The axis line the bars grow from.
    painter.setPen(QPen(text, 1));
    painter.drawLine(QPointF(a.left, rows.top), QPointF(a.left, rows.bottom()));
}

void LayerMapBars::mouseMoveEvent(QMouseEvent* event) {
    const LayerMapRows rows = layerMapRows(height(), model_->rowCount(), QFontMetrics(font()));
    const int row = rows.rowAt(event->position().y());
    if (row < 0 || model_->columnCount() == 0) {
        QToolTip::hideText();
        return;
    }
    const QRect band = QRectF(0, rows.y(row), width(), rows.height).toAlignedRect();
    QToolTip::showText(event->globalPosition().toPoint(), model_->hoverText(row, model_->selectedColumn()), this, band);
}

}  // namespace layerlens::ui

#include "layer_map_heatmap.h"

#include <QMouseEvent>
#include <QPainter>
#include <QRegularExpression>
#include <QToolTip>
#include <algorithm>
#include <cmath>

#include "layer_map_model.h"

namespace layerlens::ui {

namespace {

constexpr int kRightMargin = 4;
const QColor kOutlierRing(0, 208, 255);   // cyan: no colour of inferno, visible on its yellow and its black

// "layers.3" of "layers.3.attention.wq": the block a layer belongs to, up to its first number.
QString blockOf(const QString& layer) {
    static const QRegularExpression block("^(.*?\\d+)(\\.|$)");
    const auto m = block.match(layer);
    return m.hasMatch() ? m.captured(1) : QString();
}

QFont scaled(const QFont& font, double factor) {
    QFont f = font;
    f.setPointSizeF(std::max(5.0, font.pointSizeF() * factor));
    return f;
}

}  // namespace

LayerMapHeatmap::LayerMapHeatmap(LayerMapModel* model, QWidget* parent) : QWidget(parent), model_(model) {
    setMouseTracking(true);
    setContextMenuPolicy(Qt::CustomContextMenu);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    auto redraw = [this] {
        measureLabels();
        updateGeometry();
        update();
    };
    connect(model_, &LayerMapModel::mapChanged, this, redraw);
    connect(model_, &QAbstractItemModel::modelReset, this, redraw);
    connect(model_, &QAbstractItemModel::dataChanged, this, qOverload<>(&QWidget::update));
    measureLabels();
}

void LayerMapHeatmap::measureLabels() {
    const QFontMetrics metrics(font());
    int widest = metrics.horizontalAdvance("layer");
    for (int row = 0; row < model_->rowCount(); ++row)
        widest = std::max(widest, metrics.horizontalAdvance(model_->layerName(row)));
    labelWidth_ = std::min(widest, 320) + 12;
}

int LayerMapHeatmap::labelWidth() const { return labelWidth_; }

void LayerMapHeatmap::changeEvent(QEvent* event) {
    if (event->type() == QEvent::FontChange) measureLabels();
    QWidget::changeEvent(event);
}

LayerMapRows LayerMapHeatmap::rows() const { return layerMapRows(height(), model_->rowCount(), QFontMetrics(font())); }

double LayerMapHeatmap::columnWidth() const {
    const int columns = model_->columnCount();
    return columns > 0 ? double(width() - labelWidth() - kRightMargin) / columns : 0.0;
}

QSize LayerMapHeatmap::sizeHint() const {
    const QFontMetrics metrics(font());
    const int rows = std::max(1, model_->rowCount());
    return {labelWidth() + std::max(1, model_->columnCount()) * 84 + kRightMargin,
            layerMapHeaderHeight(metrics) + std::min(rows * (metrics.height() + 4), 640) + LayerMapRows::kBottom};
}

QSize LayerMapHeatmap::minimumSizeHint() const {
    // Three pixels a row at the least: a 7B model's 224 layers still fit a laptop's window.
    const QFontMetrics metrics(font());
    return {labelWidth() + std::max(1, model_->columnCount()) * 36 + kRightMargin,
            layerMapHeaderHeight(metrics) + std::max(1, model_->rowCount()) * 3 + LayerMapRows::kBottom};
}

int LayerMapHeatmap::columnEdge(int column) const { return static_cast<int>(std::lround(labelWidth() + column * columnWidth())); }

// Edges rounded once, shared by neighbours, so that every gap between cells is one pixel wide.
QRect LayerMapHeatmap::cellRect(int row, int column) const {
    const LayerMapRows r = rows();
    const int top = static_cast<int>(std::lround(r.y(row))), bottom = static_cast<int>(std::lround(r.y(row + 1)));
    return QRect(columnEdge(column), top, columnEdge(column + 1) - columnEdge(column), bottom - top);
}

QRect LayerMapHeatmap::headerRect(int column) const {
    return QRect(columnEdge(column), 0, columnEdge(column + 1) - columnEdge(column), rows().top);
}

QPoint LayerMapHeatmap::cellAt(QPoint pos) const {
    const double w = columnWidth();
    if (w <= 0 || pos.x() < labelWidth()) return {-1, -1};
    const int column = static_cast<int>((pos.x() - labelWidth()) / w), row = rows().rowAt(pos.y());
    if (column >= model_->columnCount() || row < 0) return {-1, -1};
    return {column, row};
}

int LayerMapHeatmap::headerAt(QPoint pos) const {
    const double w = columnWidth();
    if (w <= 0 || pos.x() < labelWidth() || pos.y() >= rows().top) return -1;
    const int column = static_cast<int>((pos.x() - labelWidth()) / w);
    return column < model_->columnCount() ? column : -1;
}

void LayerMapHeatmap::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    if (model_->columnCount() == 0 || model_->rowCount() == 0) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                         "No sweep yet. Run one on the open file, or open the JSONL of `layerlens-cli sweep-model`.");
        return;
    }
    paintHeader(painter);
    paintCells(painter);
    paintLabels(painter);
}

void LayerMapHeatmap::paintHeader(QPainter& painter) const {
    const QFontMetrics metrics(font());
    const int line = metrics.lineSpacing();
    QFont bold = font();
    bold.setBold(true);
    QFont small = scaled(font(), 0.9);
    // Labels wrap between words; a word wider than its column ("SparseGPT" in a narrow one)
    // makes every header smaller instead of being cut.
    double widest = 1.0;
    for (int column = 0; column < model_->columnCount(); ++column) {
        const QStringList label = model_->headerData(column, Qt::Horizontal, Qt::DisplayRole).toString().split('\n');
        for (const QString& word : label.value(0).split(' '))
            widest = std::max(widest, double(QFontMetrics(bold).horizontalAdvance(word)));
        for (const QString& word : label.value(1).split(' '))
            widest = std::max(widest, double(QFontMetrics(small).horizontalAdvance(word)));
    }
    const double fit = std::clamp((columnWidth() - 6) / widest, 0.6, 1.0);
    if (fit < 1.0) {
        bold = scaled(bold, fit);
        small = scaled(small, fit);
    }
    for (int column = 0; column < model_->columnCount(); ++column) {
        const QRect header = headerRect(column).adjusted(2, 2, -2, -4);
        const bool selected = column == model_->selectedColumn();
        if (selected) {
            QColor shade = palette().color(QPalette::Highlight);
            shade.setAlphaF(0.18);
            painter.fillRect(header, shade);
        }
        // The method above the middle (two lines at most), its budget below.
        const QStringList label = model_->headerData(column, Qt::Horizontal, Qt::DisplayRole).toString().split('\n');
        painter.setPen(palette().color(QPalette::WindowText));
        painter.setFont(bold);
        painter.drawText(QRect(header.left(), header.top(), header.width(), 2 * line + 2),
                         Qt::AlignHCenter | Qt::AlignBottom | Qt::TextWordWrap, label.value(0));
        painter.setFont(small);
        painter.drawText(QRect(header.left(), header.top() + 2 * line + 4, header.width(), 2 * line),
                         Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, label.value(1));
    }
    painter.setFont(font());
}

void LayerMapHeatmap::paintCells(QPainter& painter) const {
    const LayerMapRows r = rows();
    const QFont small = scaled(font(), 0.85);
    const QFontMetrics smallMetrics(small);
    const bool numbers = columnWidth() >= smallMetrics.horizontalAdvance("0.0000") + 6 && r.height >= smallMetrics.height() - 1;
    painter.setFont(small);
    // Rows of a few pixels (hundreds of layers) have no gap between them and mark an outlier by
    // a stripe on its left: a gap or a ring would be all that is seen.
    const bool thin = r.height < 6;
    for (int row = 0; row < model_->rowCount(); ++row) {
        for (int column = 0; column < model_->columnCount(); ++column) {
            // A one-pixel gap between cells keeps neighbours of one colour apart.
            const QRect cell = cellRect(row, column).adjusted(0, 0, -1, thin ? 0 : -1);
            const SweepRow* sweepRow = model_->rowAt(row, column);
            if (!sweepRow) {
                painter.fillRect(cell, palette().color(QPalette::AlternateBase));
                continue;
            }
            if (!sweepRow->error) {
                painter.fillRect(cell, QColor(200, 200, 200));
                painter.fillRect(cell, QBrush(QColor(120, 120, 120), Qt::BDiagPattern));
                continue;
            }
            const QColor colour = model_->colourAt(row, column);
            painter.fillRect(cell, colour);
            if (numbers) {
                painter.setPen(colour.lightnessF() > 0.55 ? Qt::black : Qt::white);
                painter.drawText(cell, Qt::AlignCenter, QString::number(*sweepRow->error, 'g', 3));
            }
            if (model_->isOutlier(row, column)) {
                if (thin) {
                    painter.fillRect(QRect(cell.left(), cell.top(), 4, cell.height()), kOutlierRing);
                } else {
                    painter.setPen(QPen(kOutlierRing, 2));
                    painter.drawRect(cell.adjusted(1, 1, -1, -1));
                }
            }
        }
    }
    // The selected point, framed from its header to its last row; the hovered cell outlined.
    const int selected = model_->selectedColumn();
    if (selected >= 0 && selected < model_->columnCount()) {
        const QRect top = headerRect(selected), bottom = cellRect(r.count - 1, selected);
        painter.setPen(QPen(palette().color(QPalette::Highlight), 2));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(QRect(top.topLeft(), bottom.bottomRight()).adjusted(1, 1, -1, -1));
    }
    if (hovered_.x() >= 0) {
        painter.setPen(QPen(palette().color(QPalette::WindowText), 1));
        painter.drawRect(cellRect(hovered_.y(), hovered_.x()).adjusted(0, 0, -2, -2));
    }
    painter.setFont(font());
}

void LayerMapHeatmap::paintLabels(QPainter& painter) const {
    const LayerMapRows r = rows();
    const QFontMetrics metrics(font());
    // Smaller names when the rows are lower than a line, so each stays beside its own row; when
    // even the smallest font is taller than a row (hundreds of layers), every k-th name.
    const QFont label = r.height < metrics.height() ? scaled(font(), r.height / metrics.height()) : font();
    const QFontMetrics labelMetrics(label);
    const int step = std::max(1, static_cast<int>(std::ceil(labelMetrics.height() * 0.9 / std::max(r.height, 0.5))));
    painter.setFont(label);
    const int width = labelWidth();
    const bool blocks = model_->order() == LayerMapModel::Order::Layers;
    QColor rule = palette().color(QPalette::Mid);
    for (int row = 0; row < model_->rowCount(); ++row) {
        const QString name = model_->layerName(row);
        // A rule where a new transformer block starts, in file order; not between rows of a few
        // pixels, where it would read as a row of its own and strike through the names.
        if (blocks && r.height >= 6 && row > 0 && blockOf(name) != blockOf(model_->layerName(row - 1))) {
            painter.setPen(QPen(rule, 1));
            painter.drawLine(QPointF(4, r.y(row)), QPointF(this->width() - kRightMargin, r.y(row)));
        }
        if (row % step != 0) continue;
        const QRectF band(0, r.y(row) + (r.height - labelMetrics.height()) / 2, width - 6, labelMetrics.height());
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(band, Qt::AlignRight | Qt::AlignVCenter, labelMetrics.elidedText(name, Qt::ElideMiddle, width - 8));
    }
    painter.setFont(font());
}

void LayerMapHeatmap::setHovered(QPoint cell) {
    if (cell == hovered_) return;
    hovered_ = cell;
    update();
}

void LayerMapHeatmap::mouseMoveEvent(QMouseEvent* event) {
    const QPoint pos = event->position().toPoint();
    const QPoint cell = cellAt(pos);
    setHovered(cell);
    if (cell.x() >= 0) {
        const QString method = model_->pointLabel(cell.x());
        hoverText_ = model_->hoverText(cell.y(), cell.x()) + "\nClick to open this layer in Compare with " + method + ".";
        QToolTip::showText(event->globalPosition().toPoint(), hoverText_, this, cellRect(cell.y(), cell.x()));
        emit hovered(model_->hoverText(cell.y(), cell.x()).replace('\n', " · "));
        return;
    }
    if (const int column = headerAt(pos); column >= 0) {
        const auto median = model_->median(column);
        QToolTip::showText(event->globalPosition().toPoint(),
                           model_->pointLabel(column) +
                               (median ? QString(": median E %1 over the layers").arg(*median, 0, 'g', 4) : QString()) +
                               "\nClick to chart it in the bars and to sort by it.",
                           this, headerRect(column));
        return;
    }
    QToolTip::hideText();
}

void LayerMapHeatmap::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) return;
    const QPoint pos = event->position().toPoint();
    if (const int column = headerAt(pos); column >= 0) {
        model_->setSelectedColumn(column);
        return;
    }
    const QPoint cell = cellAt(pos);
    if (cell.x() < 0) return;
    const QString layer = model_->layerName(cell.y());
    model_->setSelectedColumn(cell.x());
    emit cellClicked(layer, cell.x());
}

void LayerMapHeatmap::leaveEvent(QEvent*) {
    setHovered({-1, -1});
    emit hovered({});
}

}  // namespace layerlens::ui

#include "heatmap_widget.h"

#include <QMouseEvent>
#include <QPainter>
#include <cmath>
#include <vector>

#include "channel_focus.h"
#include "colour_map.h"
#include "heatmap_state.h"

namespace layerlens::ui {

HeatmapWidget::HeatmapWidget(HeatmapState* state, ChannelFocus* focus, QWidget* parent)
    : QWidget(parent), state_(state), focus_(focus) {
    setMouseTracking(true);
    setMinimumSize(80, 80);   // the narrow layout's readable minimum (ComparisonGrid)
    setToolTip("Heatmap of the layer (rows: outputs i, columns: input channels j), max-pooled so outliers "
               "stay visible; wheel zooms, drag pans, double-click resets.");
    connect(state_, &HeatmapState::changed, this, [this] {
        dirty_ = true;
        update();
    });
    connect(focus_, &ChannelFocus::channelChanged, this, qOverload<>(&QWidget::update));
    connect(focus_, &ChannelFocus::highlightedChanged, this, qOverload<>(&QWidget::update));
    connect(focus_, &ChannelFocus::marksChanged, this, qOverload<>(&QWidget::update));
}

void HeatmapWidget::setData(std::shared_ptr<const MethodViewData> data) {
    data_ = std::move(data);
    dirty_ = true;
    update();
}

const MaxPyramid* HeatmapWidget::currentPyramid() const {
    if (!data_) return nullptr;
    switch (state_->map()) {
    case HeatmapState::Map::Salience: return &data_->salience;
    case HeatmapState::Map::WandaScore: return &data_->wanda;
    case HeatmapState::Map::ErrorMap: return &data_->error;
    }
    return nullptr;
}

void HeatmapWidget::rebuildImage() {
    dirty_ = false;
    const MaxPyramid* pyramid = currentPyramid();
    // Device pixels, so a high-DPI screen shows the finer max-pool level, not a blurred one.
    const qreal dpr = devicePixelRatioF();
    const int w = std::max(1, static_cast<int>(width() * dpr)), h = std::max(1, static_cast<int>(height() * dpr));
    image_ = QImage(w, h, QImage::Format_RGB32);
    image_.setDevicePixelRatio(dpr);
    if (!pyramid || pyramid->empty()) {
        image_.fill(palette().color(QPalette::Window));
        return;
    }
    const QRectF v = state_->visible();
    std::vector<float> values(static_cast<size_t>(w) * static_cast<size_t>(h));
    pyramid->render(v.top(), v.left(), v.height() / h, v.width() / w, w, h, values.data());
    const double low = state_->low(), high = state_->high();
    const bool logScale = state_->logScale();
    const QRgb outside = palette().color(QPalette::Window).rgb();
    for (int y = 0; y < h; ++y) {
        auto* line = reinterpret_cast<QRgb*>(image_.scanLine(y));
        for (int x = 0; x < w; ++x) {
            const float value = values[static_cast<size_t>(y) * static_cast<size_t>(w) + static_cast<size_t>(x)];
            line[x] = std::isnan(value) ? outside : infernoColour(colourPosition(value, low, high, logScale));
        }
    }
}

double HeatmapWidget::xOfChannel(double channel) const {
    const QRectF v = state_->visible();
    return (channel - v.left()) / v.width() * width();
}

void HeatmapWidget::paintEvent(QPaintEvent*) {
    if (dirty_ || image_.deviceIndependentSize().toSize() != size()) rebuildImage();
    QPainter painter(this);
    painter.drawImage(0, 0, image_);
    drawnMarks_.clear();
    if (!data_) {
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(rect(), Qt::AlignCenter, "waiting for the result");
        return;
    }
    // Lesson channels: short cyan ticks on the top edge, so the heatmap stays readable.
    painter.setPen(QPen(QColor(0, 200, 255), 2));
    for (int j : focus_->highlighted()) {
        const double x = xOfChannel(j + 0.5);
        painter.drawLine(QPointF(x, 0), QPointF(x, 8));
    }
    drawMarks(painter);
    if (focus_->channel() >= 0) {
        // Brackets above and below the hovered channel, leaving the channel itself visible.
        const double x0 = xOfChannel(focus_->channel()), x1 = xOfChannel(focus_->channel() + 1);
        const double w = std::max(1.0, x1 - x0);
        const QColor green(0, 255, 120);
        painter.fillRect(QRectF(x0 - 2, 0, w + 4, 5), green);
        painter.fillRect(QRectF(x0 - 2, height() - 5, w + 4, 5), green);
        painter.setPen(QPen(green, 1, Qt::DotLine));
        painter.drawLine(QPointF(x0 - 2, 5), QPointF(x0 - 2, height() - 5));
        painter.drawLine(QPointF(x0 + w + 1, 5), QPointF(x0 + w + 1, height() - 5));
    }
}

void HeatmapWidget::drawMarks(QPainter& painter) {
    // A marked column: a wedge on the top and the bottom edge pointing into it (square marks
    // get a square), outlined in white so it stands off the map's dark purples and reds, and a
    // faint line down the column that leaves its values visible.
    const QRectF v = state_->visible();
    const double half = 6.0;
    painter.setRenderHint(QPainter::Antialiasing);
    for (const ChannelMarks& group : focus_->marks()) {
        ChannelMarks drawn = group;
        drawn.channels.clear();
        QColor faint = group.colour;
        faint.setAlphaF(0.45);
        for (int j : group.channels) {
            if (j + 1 <= v.left() || j >= v.right()) continue;
            const double x = xOfChannel(j + 0.5);
            painter.setPen(QPen(faint, 1, Qt::DashLine));
            painter.drawLine(QPointF(x, 2 * half), QPointF(x, height() - 2 * half));
            painter.setPen(QPen(Qt::white, 1.5));
            painter.setBrush(group.colour);
            if (group.shape == ChannelMarks::Shape::Square) {
                painter.drawRect(QRectF(x - half, 0, 2 * half, 2 * half));
                painter.drawRect(QRectF(x - half, height() - 2 * half, 2 * half, 2 * half));
            } else {
                painter.drawPolygon(QPolygonF({QPointF(x - half, 0), QPointF(x + half, 0), QPointF(x, 2 * half)}));
                painter.drawPolygon(QPolygonF({QPointF(x - half, height()), QPointF(x + half, height()), QPointF(x, height() - 2 * half)}));
            }
            drawn.channels.append(j);
        }
        drawnMarks_.append(drawn);
    }
    painter.setBrush(Qt::NoBrush);
    painter.setRenderHint(QPainter::Antialiasing, false);
}

void HeatmapWidget::resizeEvent(QResizeEvent*) { dirty_ = true; }

QPointF HeatmapWidget::toMatrix(QPointF pixel) const {
    const QRectF v = state_->visible();
    return {v.left() + pixel.x() / std::max(1, width()) * v.width(), v.top() + pixel.y() / std::max(1, height()) * v.height()};
}

void HeatmapWidget::wheelEvent(QWheelEvent* event) {
    // Zoom about the cursor, by 1.25 per notch, for every column at once.
    const double factor = std::pow(1.25, -event->angleDelta().y() / 120.0);
    const QPointF anchor = toMatrix(event->position());
    const QRectF v = state_->visible();
    state_->setVisible(QRectF(anchor.x() - (anchor.x() - v.left()) * factor, anchor.y() - (anchor.y() - v.top()) * factor,
                              v.width() * factor, v.height() * factor));
    event->accept();
}

void HeatmapWidget::mousePressEvent(QMouseEvent* event) {
    dragging_ = event->button() == Qt::LeftButton;
    dragStart_ = event->position().toPoint();
    dragVisible_ = state_->visible();
}

void HeatmapWidget::mouseMoveEvent(QMouseEvent* event) {
    if (dragging_) {
        const QPointF delta = event->position() - dragStart_;
        QRectF v = dragVisible_;
        v.translate(-delta.x() / width() * v.width(), -delta.y() / height() * v.height());
        state_->setVisible(v);
        return;
    }
    if (!data_) return;
    const QPointF cell = toMatrix(event->position());
    const int j = static_cast<int>(cell.x()), i = static_cast<int>(cell.y());
    if (j < 0 || i < 0 || j >= data_->loaded->layer.d_in() || i >= data_->loaded->layer.d_out()) return;
    focus_->setChannel(j, i);
    emit hovered(readout(i, j));
}

void HeatmapWidget::mouseReleaseEvent(QMouseEvent*) { dragging_ = false; }

void HeatmapWidget::mouseDoubleClickEvent(QMouseEvent*) { state_->resetZoom(); }

void HeatmapWidget::leaveEvent(QEvent*) { focus_->setChannel(-1); }

QString HeatmapWidget::readout(int i, int j) const {
    if (!data_) return {};
    const Layer& layer = data_->loaded->layer;
    const double W = layer.W(i, j), W_hat = data_->result->W_hat(i, j);
    const double a = data_->loaded->stats.mean_abs[j];
    return QString("i %1, j %2: W %3, Ŵ %4, a_j %5, contribution |W|·a %6, %7")
        .arg(i)
        .arg(j)
        .arg(W, 0, 'g', 4)
        .arg(W_hat, 0, 'g', 4)
        .arg(a, 0, 'g', 4)
        .arg(std::abs(W) * a, 0, 'g', 4)
        .arg(data_->isKept(i, j) ? "kept" : "pruned");
}

}  // namespace layerlens::ui

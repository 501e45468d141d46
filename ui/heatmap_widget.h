#pragma once
// One column's heatmap of the layer (rows = outputs i, columns = input channels j): draws the
// method's max pyramid for the shared map, zoom, pan and colour scale of HeatmapState, the
// hovered channel as a line; forwards wheel, drag and hover. It never computes the pyramid.
#include <QImage>
#include <QWidget>
#include <memory>

#include "channel_focus.h"
#include "view_data.h"

namespace layerlens::ui {

class HeatmapState;

class HeatmapWidget : public QWidget {
    Q_OBJECT
public:
    HeatmapWidget(HeatmapState* state, ChannelFocus* focus, QWidget* parent = nullptr);
    void setData(std::shared_ptr<const MethodViewData> data);
    const MethodViewData* data() const { return data_.get(); }
    // The pyramid of the current map, or null before the method finished.
    const MaxPyramid* currentPyramid() const;
    // The image last drawn (what the user sees), for tests.
    const QImage& image() const { return image_; }
    QString readout(int row, int channel) const;
    // The focus's channel marks as the last paint drew them (only channels in view).
    const QVector<ChannelMarks>& drawnMarks() const { return drawnMarks_; }

signals:
    void hovered(const QString& readout);

protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void wheelEvent(QWheelEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;
    void mouseDoubleClickEvent(QMouseEvent*) override;
    void leaveEvent(QEvent*) override;

private:
    QPointF toMatrix(QPointF pixel) const;   // (j, i) in cells
    double xOfChannel(double channel) const;
    void rebuildImage();
    void drawMarks(QPainter& painter);

    HeatmapState* state_;
    ChannelFocus* focus_;
    std::shared_ptr<const MethodViewData> data_;
    QImage image_;
    bool dirty_ = true;
    QPoint dragStart_;
    QRectF dragVisible_;
    bool dragging_ = false;
    QVector<ChannelMarks> drawnMarks_;
};

}  // namespace layerlens::ui

#pragma once
// Weight vs contribution, one point per input channel: x = mean_i |W_ij|, y = mean_i |W_ij|·a_j.
// The AWQ picture: small weights on busy channels sit high on the contribution axis. Every
// column plots the same points on the same axes; only the colouring (what this method
// protected or kept) differs, so columns compare by eye.
#include <QVector>
#include <QWidget>
#include <memory>

#include "channel_focus.h"
#include "view_data.h"

namespace layerlens::ui {

class ScatterWidget : public QWidget {
    Q_OBJECT
public:
    ScatterWidget(ChannelFocus* focus, QWidget* parent = nullptr);
    void setLayer(std::shared_ptr<const LayerViewData> layer);
    // null = no method result yet (points drawn uncoloured).
    void setProtection(const ChannelProtection* protection);
    void setLogAxes(bool on);
    // Tick labels and axis titles; off for all but the first column of a row in the narrow
    // layout, where the shared axes would otherwise take half of every plot.
    void setAxisLabelsShown(bool on);
    bool axisLabelsShown() const { return axisLabels_; }
    // The shared axes in words, for a legend when no column draws them:
    // "x = mean |W_ij| 0.0023 … 0.029, y = contribution |W|·a 0.0013 … 0.23 (log)".
    QString axesText() const;
    int pointCount() const { return layer_ ? static_cast<int>(layer_->channelWeight.size()) : 0; }
    // The focus's channel marks as the last paint drew them (only channels of this layer).
    const QVector<ChannelMarks>& drawnMarks() const { return drawnMarks_; }

protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void leaveEvent(QEvent*) override;

private:
    QRectF plotRect() const;
    QPointF toPixel(double x, double y) const;
    void updateRange();
    void drawMarks(QPainter& painter, double radius);
    void drawProtection(QPainter& painter, double radius);
    void drawAxisLabels(QPainter& painter, const QRectF& plot);

    ChannelFocus* focus_;
    std::shared_ptr<const LayerViewData> layer_;
    const ChannelProtection* protection_ = nullptr;
    bool logAxes_ = true;
    bool axisLabels_ = true;
    QRectF range_;   // axes in data units, identical across columns (the same layer)
    QVector<ChannelMarks> drawnMarks_;
};

}  // namespace layerlens::ui

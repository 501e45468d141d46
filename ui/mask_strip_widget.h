#pragma once
// What a method protected, per input channel, as a strip aligned with the heatmap's columns
// (it follows the shared zoom): bar height = the protection value (AWQ's s_j, kept fraction,
// error share), ticks under the marked channels (AWQ's top 1%, keep-1% choices).
#include <QWidget>

#include "view_data.h"

namespace layerlens::ui {

class ChannelFocus;
class HeatmapState;

class MaskStripWidget : public QWidget {
    Q_OBJECT
public:
    MaskStripWidget(HeatmapState* state, ChannelFocus* focus, QWidget* parent = nullptr);
    void setProtection(const ChannelProtection* protection);
    const ChannelProtection* protection() const { return protection_; }
    int markedCount() const;

protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void leaveEvent(QEvent*) override;

private:
    HeatmapState* state_;
    ChannelFocus* focus_;
    const ChannelProtection* protection_ = nullptr;
};

}  // namespace layerlens::ui

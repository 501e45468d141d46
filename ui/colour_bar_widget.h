#pragma once
// The one colour bar every heatmap of the grid shares: the map's name, low and high.
#include <QWidget>

namespace layerlens::ui {

class HeatmapState;

class ColourBarWidget : public QWidget {
    Q_OBJECT
public:
    explicit ColourBarWidget(HeatmapState* state, QWidget* parent = nullptr);
    QSize sizeHint() const override { return {320, 30}; }

protected:
    void paintEvent(QPaintEvent*) override;

private:
    HeatmapState* state_;
};

}  // namespace layerlens::ui

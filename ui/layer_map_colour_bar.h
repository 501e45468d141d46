#pragma once
// The layer map's colour scale, upright beside the heatmap and as tall as its rows: the inferno
// map from the lowest E (bottom) to the highest (top) on a log scale, with labelled ticks and
// the two ends labelled in grey.
#include <QWidget>
#include <vector>

namespace layerlens::ui {

class LayerMapModel;

class LayerMapColourBar : public QWidget {
    Q_OBJECT
public:
    explicit LayerMapColourBar(LayerMapModel* model, QWidget* parent = nullptr);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return sizeHint(); }
    // The values with a tick, lowest first.
    std::vector<double> ticks() const;

protected:
    void paintEvent(QPaintEvent*) override;

private:
    LayerMapModel* model_;
};

}  // namespace layerlens::ui

#pragma once
// Beside the heatmap, one bar per layer for the selected point: E on a log axis, each bar on its
// layer's row (the model's order, so sorting by E sorts the bars), its value at the end, the
// point's median dashed, and the summary's outlier layers in red with their ratio to the median.
// It only draws the model; hovering a bar shows the cell's numbers.
#include <QRectF>
#include <QString>
#include <QWidget>
#include <vector>

namespace layerlens::ui {

class LayerMapModel;

class LayerMapBars : public QWidget {
    Q_OBJECT
public:
    struct Bar {
        int row = 0;
        QString layer;
        double error = 0.0;
        bool outlier = false;
        QRectF rect;
    };

    explicit LayerMapBars(LayerMapModel* model, QWidget* parent = nullptr);
    QSize sizeHint() const override { return {400, 400}; }
    QSize minimumSizeHint() const override { return {260, 200}; }
    // The bars drawn, top to bottom; a failed or not yet run layer has none.
    std::vector<Bar> bars() const;
    // The axis' decades and the ticks labelled between them.
    std::vector<double> ticks() const;
    // Each bar's layer name on its left: for the bars exported alone, away from the heatmap's names.
    void setLayerNames(bool on);
    // The width the names take (0 without them).
    int namesWidth() const;

protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;

private:
    struct Axis {
        double lowLog = -3, highLog = 0;   // log10 of the ends
        double left = 0, right = 1;        // pixels
        double x(double E) const;
    };
    Axis axis() const;
    int valueWidth() const;
    int left() const;

    LayerMapModel* model_;
    bool layerNames_ = false;
};

}  // namespace layerlens::ui

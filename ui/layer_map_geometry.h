#pragma once
// Where the layer map's rows are, shared by the heatmap, the colour bar and the bars beside it so
// that a layer's cells, its bar and the scale line up: one header band (a point's method and its
// budget, each of which may wrap to a second line in a narrow column), then one band per layer,
// at most kMaxRowHeight tall.
#include <QFontMetrics>
#include <QRectF>
#include <algorithm>
#include <cmath>

namespace layerlens::ui {

struct LayerMapRows {
    static constexpr double kMaxRowHeight = 26.0;
    static constexpr int kBottom = 10;   // room for the colour bar's lowest label

    int top = 0;
    double height = 0.0;   // of one row
    int count = 0;

    double y(int row) const { return top + row * height; }
    double bottom() const { return top + count * height; }
    // The row under y, or -1.
    int rowAt(double at) const {
        if (count <= 0 || height <= 0 || at < top) return -1;
        const int row = static_cast<int>(std::floor((at - top) / height));
        return row < count ? row : -1;
    }
};

inline int layerMapHeaderHeight(const QFontMetrics& metrics) { return 4 * metrics.lineSpacing() + 10; }

inline LayerMapRows layerMapRows(int widgetHeight, int count, const QFontMetrics& metrics) {
    LayerMapRows rows;
    rows.top = layerMapHeaderHeight(metrics);
    rows.count = count;
    if (count > 0)
        rows.height = std::clamp(double(widgetHeight - rows.top - LayerMapRows::kBottom) / count, 1.0, LayerMapRows::kMaxRowHeight);
    return rows;
}

}  // namespace layerlens::ui

#pragma once
// What every heatmap of the grid shares so columns compare by eye: which map is shown, the
// visible part of the matrix (zoom and pan move all columns together) and one colour scale.
#include <QObject>
#include <QRectF>
#include <algorithm>

namespace layerlens::ui {

class HeatmapState : public QObject {
    Q_OBJECT
public:
    enum class Map { Salience, WandaScore, ErrorMap };
    using QObject::QObject;

    Map map() const { return map_; }
    // x = input channel j, y = output row i, in matrix cells.
    QRectF visible() const { return visible_; }
    bool logScale() const { return logScale_; }
    float low() const { return low_; }
    float high() const { return high_; }

    void setMap(Map map) {
        if (map == map_) return;
        map_ = map;
        emit mapChanged();
        emit changed();
    }
    void setMatrixSize(QSizeF size) {
        matrix_ = size;
        visible_ = QRectF(QPointF(0, 0), size);
        emit changed();
    }
    void setVisible(QRectF visible) {
        // Never smaller than 4 cells across, never beyond the matrix.
        visible.setWidth(std::clamp(visible.width(), 4.0, matrix_.width()));
        visible.setHeight(std::clamp(visible.height(), 4.0, matrix_.height()));
        visible.moveLeft(std::clamp(visible.left(), 0.0, matrix_.width() - visible.width()));
        visible.moveTop(std::clamp(visible.top(), 0.0, matrix_.height() - visible.height()));
        visible_ = visible;
        emit changed();
    }
    void resetZoom() { setVisible(QRectF(QPointF(0, 0), matrix_)); }
    void setRange(float low, float high) {
        low_ = low;
        high_ = high;
        emit changed();
    }
    void setLogScale(bool on) {
        logScale_ = on;
        emit changed();
    }

signals:
    void changed();
    void mapChanged();

private:
    Map map_ = Map::Salience;
    QRectF visible_;
    QSizeF matrix_;
    bool logScale_ = true;
    float low_ = 1e-4f, high_ = 1.0f;
};

}  // namespace layerlens::ui

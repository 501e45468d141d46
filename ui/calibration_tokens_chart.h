#pragma once
// The Calibration view's small chart of the salient set's stability against tokens: the mean
// overlap (Jaccard) of the top sets of subsamples of n/8, n/4, n/2 and n of the layer's tokens, with
// the overlap core calls stable (kStableJaccard) dashed. A curve still rising at n says more
// calibration tokens would change which channels count as salient. It only draws the model.
#include <QPointF>
#include <QRectF>
#include <QWidget>
#include <vector>

namespace layerlens::ui {

class CalibrationModel;

class CalibrationTokensChart : public QWidget {
    Q_OBJECT
public:
    explicit CalibrationTokensChart(CalibrationModel* model, QWidget* parent = nullptr);
    QSize sizeHint() const override { return {340, 300}; }
    QSize minimumSizeHint() const override { return {240, 200}; }
    // The curve's points in pixels, fewest tokens first.
    std::vector<QPointF> points() const;

protected:
    void paintEvent(QPaintEvent*) override;

private:
    QRectF plotRect() const;
    CalibrationModel* model_;
};

}  // namespace layerlens::ui

#pragma once
// The Calibration view's chart: per method a bar of the cross-calibration penalty in % (E on B
// of the method calibrated on A over calibrated on B, minus 1), in the method's colour of the
// Sweep tab, with a whisker of how much E moves under resampling of the layer's tokens alone
// (its min and max over the resamples relative to their mean, drawn about the bar's end): a penalty well outside its
// whisker is the calibration data's doing, not noise. It only draws the model; hovering a bar
// shows that method's numbers.
#include <QRectF>
#include <QString>
#include <QWidget>
#include <string>
#include <vector>

namespace layerlens::ui {

class CalibrationModel;

class CalibrationPenaltyChart : public QWidget {
    Q_OBJECT
public:
    struct Bar {
        std::string method;
        double penalty = 0.0;   // in %
        double low = 0.0, high = 0.0;   // the whisker's ends, in %
        QRectF rect;            // the bar as drawn
    };

    explicit CalibrationPenaltyChart(CalibrationModel* model, QWidget* parent = nullptr);
    QSize sizeHint() const override { return {640, 300}; }
    QSize minimumSizeHint() const override { return {360, 220}; }
    std::vector<Bar> bars() const;
    // The labelled values of the % axis, bottom to top.
    std::vector<double> ticks() const;

protected:
    void paintEvent(QPaintEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;

private:
    struct Axis {
        double low = 0.0, high = 1.0, step = 0.2;   // in %
        QRectF plot;
        double y(double percent) const;
    };
    Axis axis() const;

    CalibrationModel* model_;
};

}  // namespace layerlens::ui

#pragma once
// The teaching bars: per channel, the contribution w·a before rounding, ŵ·a after, and the
// damage |w − ŵ|·a, all on one scale so "same rounding, different damage" is seen, not read.
// Bars grow from a zero line, left for a negative contribution, and the scale holds every bar and
// the room for its label, so nothing leaves the widget.
#include <QRect>
#include <QString>
#include <QVector>
#include <QWidget>

namespace layerlens::ui {

struct TeachChannel {
    QString name;
    double weight = 0.0;        // w
    double activation = 0.0;    // a
    double rounded = 0.0;       // ŵ
};

class TeachBarsWidget : public QWidget {
    Q_OBJECT
public:
    explicit TeachBarsWidget(QWidget* parent = nullptr);
    void setChannels(const QVector<TeachChannel>& channels);
    const QVector<TeachChannel>& channels() const { return channels_; }
    QSize sizeHint() const override { return {520, 240}; }

    // What paintEvent draws, for tests: per channel three bars (before, after, damage), each with
    // its label's rectangle and value, and the zero line's x.
    struct Bar {
        QRect rect;
        QRect labelRect;
        QString label;
        double value = 0.0;
    };
    struct Geometry {
        QVector<Bar> bars;
        int zeroX = 0;
    };
    Geometry geometry() const;

protected:
    void paintEvent(QPaintEvent*) override;

private:
    QVector<TeachChannel> channels_;
};

}  // namespace layerlens::ui

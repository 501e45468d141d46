#pragma once
// The teaching bars: per channel, the contribution w·a before rounding, ŵ·a after, and the
// damage |w − ŵ|·a, all on one scale so "same rounding, different damage" is seen, not read.
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

protected:
    void paintEvent(QPaintEvent*) override;

private:
    QVector<TeachChannel> channels_;
};

}  // namespace layerlens::ui

#pragma once
// Two sets of traffic side by side: for every input channel its activation magnitude a_j in the
// traffic the layer serves and in the calibration set, one row each, the top channels of each row
// in orange. When the calibration is fake, the orange bars of the two rows stand in different places.
#include <QString>
#include <QVector>
#include <QWidget>

namespace layerlens::ui {

struct TeachTrafficRow {
    QString label;           // "real traffic"
    QVector<double> a;       // a_j per channel
    QVector<int> top;        // its top channels
};

class TeachTrafficStrip : public QWidget {
    Q_OBJECT
public:
    explicit TeachTrafficStrip(QWidget* parent = nullptr);
    void setRows(const QVector<TeachTrafficRow>& rows);
    const QVector<TeachTrafficRow>& rows() const { return rows_; }
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return {300, sizeHint().height()}; }
    // The rectangle a row's bars live in, for tests.
    QRect rowRect(int row) const;

protected:
    void paintEvent(QPaintEvent*) override;

private:
    int labelWidth() const;
    QVector<TeachTrafficRow> rows_;
};

}  // namespace layerlens::ui

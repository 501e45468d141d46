#pragma once
// The Teach tab's loss curve: E against the iteration, a dot on the iteration being looked at, and
// a few labelled horizontal lines (where PGD started, the best possible). Drawn with the tab's font
// so it grows with the classroom text size; the y axis is linear or logarithmic.
#include <QString>
#include <QVector>
#include <QPointF>
#include <QWidget>

namespace layerlens::ui {

class TeachLossPlot : public QWidget {
    Q_OBJECT
public:
    explicit TeachLossPlot(QWidget* parent = nullptr);
    void setPoints(const QVector<QPointF>& points);
    void appendPoints(const QVector<QPointF>& points);
    const QVector<QPointF>& points() const { return points_; }
    // The iteration marked with a dot; −1 for none.
    void setCurrent(int iteration);
    int current() const { return current_; }
    struct Reference {
        QString label;
        double value = 0.0;
    };
    void setReferences(const QVector<Reference>& references);
    void setLogScale(bool on);
    void setAxisTitles(const QString& x, const QString& y);
    // The x range shown when there are fewer points (a live curve grows into it).
    void setIterationRange(int last);
    QSize sizeHint() const override { return {520, 260}; }
    QSize minimumSizeHint() const override { return {260, 180}; }

    // Where the curve sits, for tests: the plot area and each point's position in it.
    QRect plotRect() const;
    QPointF toPixel(const QPointF& point) const;

protected:
    void paintEvent(QPaintEvent*) override;

private:
    void range(double& lo, double& hi) const;
    double yToPixel(double value, double lo, double hi) const;

    QVector<QPointF> points_;
    QVector<Reference> references_;
    int current_ = -1;
    int lastIteration_ = 0;
    bool log_ = false;
    QString xTitle_ = "iteration", yTitle_ = "E";
};

}  // namespace layerlens::ui

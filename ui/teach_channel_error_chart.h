#pragma once
// Where two methods put their error, channel by channel: one bar per method for each group of
// input channels, the groups in order of falling traffic (busiest left), the busiest group shaded.
// A bar's height is the error of one channel of the group in units of an average channel (of both
// methods together, so the two series share one scale). The axis is linear, so a channel whose
// error cancels some of the others' (a negative share, GPTQ's compensation) hangs below zero; it
// is scaled to the ordinary groups, and a bar taller than that (busy channels can hold a hundred
// times the average) is cut at the top with its value written on it.
#include <QColor>
#include <QFontMetrics>
#include <algorithm>
#include <QString>
#include <QVector>
#include <QWidget>

namespace layerlens::ui {

struct TeachChannelErrorChartData {
    struct Series {
        QString label;                // "AWQ  E = 1.31%"
        QColor colour;
        QVector<double> values;       // per group, in units of the average channel
    };
    QVector<Series> series;
    QVector<char> busiest;            // per group
    QVector<QString> groupTips;       // per group: which channels, their traffic
    QString busiestLabel = "busiest 1%";
};

class TeachChannelErrorChart : public QWidget {
    Q_OBJECT
public:
    explicit TeachChannelErrorChart(QWidget* parent = nullptr);
    void setData(const TeachChannelErrorChartData& data);
    const TeachChannelErrorChartData& data() const { return data_; }
    QSize sizeHint() const override { return {760, 340}; }
    // Tall enough in text lines that large classroom text still leaves room for the bars.
    QSize minimumSizeHint() const override { return {360, std::max(240, 15 * fontMetrics().height())}; }

    // For tests: the bars as drawn (series-major) and the plot area.
    struct Bar {
        int series = 0, group = 0;
        QRect rect;
        bool cut = false;   // taller than the axis: drawn to the top, its value written on it
    };
    QVector<Bar> bars() const;
    QRect plotRect() const;

protected:
    void paintEvent(QPaintEvent*) override;
    bool event(QEvent* event) override;

private:
    bool noteOnItsOwnLine() const;
    void valueRange(double& lo, double& hi) const;
    double yOf(double value, double lo, double hi) const;
    int groupAt(const QPoint& position) const;

    TeachChannelErrorChartData data_;
};

}  // namespace layerlens::ui

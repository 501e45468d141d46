#include "teach_channel_error_chart.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>

#include "teach_text.h"

namespace layerlens::ui {

TeachChannelErrorChart::TeachChannelErrorChart(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setMouseTracking(true);
}

void TeachChannelErrorChart::setData(const TeachChannelErrorChartData& data) {
    data_ = data;
    update();
}

namespace {
const QString kAverageNote = "- - -  1× = an average channel";
}

bool TeachChannelErrorChart::noteOnItsOwnLine() const {
    const QFontMetrics metrics(font());
    int legend = metrics.horizontalAdvance("−0.0×") + metrics.height() + 12;
    for (const auto& s : data_.series) legend += 3 * metrics.height() + 6 + metrics.horizontalAdvance(s.label);
    return legend + metrics.horizontalAdvance(kAverageNote) > width() - 10;
}

QRect TeachChannelErrorChart::plotRect() const {
    const QFontMetrics metrics(font());
    const int left = metrics.horizontalAdvance("−0.0×") + metrics.height() + 12;
    // Legend above (two lines when the note does not fit beside it), axis labels and title below.
    const int top = metrics.height() * (noteOnItsOwnLine() ? 3 : 2) + 10, bottom = metrics.height() * 2 + 12;
    return QRect(left, top, std::max(10, width() - left - 10), std::max(10, height() - top - bottom));
}

namespace {
double niceCeiling(double value) {
    if (!(value > 0)) return 1.0;
    const double power = std::pow(10.0, std::floor(std::log10(value)));
    for (double m : {1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0})
        if (m * power >= value) return m * power;
    return 10.0 * power;
}
double niceStep(double span) {
    const double raw = span / 5.0, power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (m * power >= raw) return m * power;
    return 10.0 * power;
}
}  // namespace

void TeachChannelErrorChart::valueRange(double& lo, double& hi) const {
    // The axis fits the ordinary groups and 1× (the average); the busiest group may be cut.
    double ordinary = 1.0, lowest = 0.0, busiest = 0.0;
    for (const auto& s : data_.series)
        for (int g = 0; g < s.values.size(); ++g) {
            const double v = s.values[g];
            lowest = std::min(lowest, v);
            if (data_.busiest.value(g)) busiest = std::max(busiest, v);
            else ordinary = std::max(ordinary, v);
        }
    // Cut only what is far taller than the rest; a modest busiest group keeps its true height.
    hi = niceCeiling(1.1 * (busiest > 2.5 * ordinary ? ordinary : std::max(ordinary, busiest)));
    lo = lowest < 0 ? -niceCeiling(-1.1 * lowest) : 0.0;
}

double TeachChannelErrorChart::yOf(double value, double lo, double hi) const {
    const QRect area = plotRect();
    // One text line of headroom above hi, for the values of cut bars.
    const double top = area.top() + QFontMetrics(font()).height() + 4;
    const double f = (std::clamp(value, lo, hi) - lo) / (hi - lo);
    return area.bottom() - f * (area.bottom() - top);
}

QVector<TeachChannelErrorChart::Bar> TeachChannelErrorChart::bars() const {
    QVector<Bar> bars;
    const int groups = data_.busiest.size();
    const int series = data_.series.size();
    if (groups == 0 || series == 0) return bars;
    const QRect area = plotRect();
    double lo, hi;
    valueRange(lo, hi);
    const double slot = static_cast<double>(area.width()) / groups;
    const double gap = std::max(1.0, slot * 0.18);
    const double barWidth = std::max(1.0, (slot - gap) / series);
    const double zero = yOf(0.0, lo, hi);
    for (int s = 0; s < series; ++s)
        for (int g = 0; g < groups; ++g) {
            const double v = data_.series[s].values.value(g);
            const double y = yOf(v, lo, hi);
            const int x = area.left() + static_cast<int>(std::lround(g * slot + gap / 2 + s * barWidth));
            const int top = static_cast<int>(std::lround(std::min(y, zero)));
            const int height = std::max(1, static_cast<int>(std::lround(std::abs(zero - y))));
            bars.append({s, g, QRect(x, top, std::max(1, static_cast<int>(barWidth)), height), v > hi});
        }
    return bars;
}

int TeachChannelErrorChart::groupAt(const QPoint& position) const {
    const QRect area = plotRect();
    const int groups = data_.busiest.size();
    if (groups == 0 || !area.contains(position)) return -1;
    return std::clamp(static_cast<int>((position.x() - area.left()) * groups / std::max(1, area.width())), 0, groups - 1);
}

bool TeachChannelErrorChart::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int g = groupAt(help->pos());
        if (g >= 0) {
            QString tip = data_.groupTips.value(g);
            for (const auto& s : data_.series)
                tip += QString("<br>%1: %2× an average channel").arg(s.label.section(' ', 0, 0), teachNumber(s.values.value(g), 3));
            QToolTip::showText(help->globalPos(), tip, this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(event);
}

void TeachChannelErrorChart::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const QColor text = palette().color(QPalette::WindowText);
    QColor grid = text;
    grid.setAlphaF(0.18);
    const QFontMetrics metrics(font());
    const QRect area = plotRect();
    const int groups = data_.busiest.size();
    painter.fillRect(area, palette().color(QPalette::Base));
    if (groups == 0) return;
    double lo, hi;
    valueRange(lo, hi);
    const double slot = static_cast<double>(area.width()) / groups;
    const QColor busyShade(252, 175, 62, 90), busyText(160, 90, 0);

    for (int g = 0; g < groups; ++g)
        if (data_.busiest[g])
            painter.fillRect(QRect(area.left() + static_cast<int>(g * slot), area.top(), std::max(2, static_cast<int>(slot)),
                                   area.height()),
                             busyShade);
    // Grid lines; 1× (the average channel) dashed, 0 solid.
    const double step = niceStep(hi - lo);
    for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9; v += step) {
        const int y = static_cast<int>(std::lround(yOf(v, lo, hi)));
        painter.setPen(QPen(std::abs(v) < 1e-12 ? text : grid, 1));
        painter.drawLine(area.left(), y, area.right(), y);
        painter.setPen(text);
        painter.drawText(QRect(0, y - metrics.height() / 2, area.left() - 6, metrics.height()), Qt::AlignRight | Qt::AlignVCenter,
                         teachNumber(v, 2) + "×");
    }
    const int average = static_cast<int>(std::lround(yOf(1.0, lo, hi)));
    painter.setPen(QPen(text, 1, Qt::DashLine));
    painter.drawLine(area.left(), average, area.right(), average);

    // Cut bars get a notch near the top; their true values are written in one line in the headroom
    // above their group ("AWQ 7.8×  GPTQ 80×"), so narrow neighbours never write over each other.
    QVector<QVector<Bar>> cutByGroup(groups);
    for (const Bar& bar : bars()) {
        painter.fillRect(bar.rect, data_.series[bar.series].colour);
        if (!bar.cut) continue;
        painter.fillRect(QRect(bar.rect.left(), bar.rect.top() + 6, bar.rect.width(), 3), palette().color(QPalette::Base));
        cutByGroup[bar.group].append(bar);
    }
    int nextFree = area.left() + 2;
    for (int g = 0; g < groups; ++g) {
        if (cutByGroup[g].isEmpty()) continue;
        int x = std::max(nextFree, area.left() + static_cast<int>(g * slot) + 2);
        for (const Bar& bar : cutByGroup[g]) {
            const auto& series = data_.series[bar.series];
            const QString value = series.label.section(' ', 0, 0) + " " + teachNumber(series.values[bar.group], 1) + "×";
            const int w = metrics.horizontalAdvance(value);
            if (x + w > area.right()) break;
            painter.setPen(series.colour.darker(130));
            painter.drawText(QRect(x, area.top() + 1, w + 2, metrics.height()), Qt::AlignLeft | Qt::AlignVCenter, value);
            x += w + metrics.height();
        }
        nextFree = x;
    }
    painter.setPen(QPen(text, 1));
    painter.drawRect(area);

    // Under the axis: which end is busy, then the title.
    int busiestEnd = -1;
    for (int g = 0; g < groups; ++g)
        if (data_.busiest[g]) busiestEnd = g;
    painter.setPen(busiestEnd >= 0 ? busyText : text);
    painter.drawText(QRect(area.left(), area.bottom() + 2, area.width() / 2, metrics.height()), Qt::AlignLeft,
                     busiestEnd >= 0 ? "↑ " + data_.busiestLabel : QString("busiest channels"));
    painter.setPen(text);
    painter.drawText(QRect(area.left(), area.bottom() + 2, area.width(), metrics.height()), Qt::AlignRight, "quietest channels");
    painter.drawText(QRect(area.left(), area.bottom() + metrics.height() + 4, area.width(), metrics.height()), Qt::AlignHCenter,
                     "input channels in order of traffic a_j");
    painter.save();
    painter.translate(metrics.height() / 2.0 + 1, area.center().y());
    painter.rotate(-90);
    painter.drawText(QRect(-area.height() / 2, -metrics.height() / 2, area.height(), metrics.height()), Qt::AlignCenter,
                     metrics.elidedText("error of one channel", Qt::ElideRight, area.height()));
    painter.restore();

    // Legend above the plot, left to right.
    int x = area.left();
    const int y = metrics.height() / 2;
    for (const auto& s : data_.series) {
        painter.fillRect(QRect(x, y + metrics.height() / 4, metrics.height(), metrics.height() / 2 + 2), s.colour);
        x += metrics.height() + 6;
        painter.setPen(text);
        const int w = metrics.horizontalAdvance(s.label);
        painter.drawText(QRect(x, y, w + 4, metrics.height()), Qt::AlignLeft | Qt::AlignVCenter, s.label);
        x += w + 2 * metrics.height();
    }
    if (noteOnItsOwnLine())
        painter.drawText(QRect(area.left(), y + metrics.height() + 2, area.width(), metrics.height()),
                         Qt::AlignLeft | Qt::AlignVCenter, kAverageNote);
    else
        painter.drawText(QRect(x, y, area.right() - x, metrics.height()), Qt::AlignRight | Qt::AlignVCenter, kAverageNote);
}

}  // namespace layerlens::ui

#include "teach_traffic_strip.h"

#include <QPainter>
#include <algorithm>
#include <cmath>

namespace layerlens::ui {

namespace {
constexpr int kRowLines = 4;   // a row is four text lines tall: tall enough to see 20x outliers
}

TeachTrafficStrip::TeachTrafficStrip(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void TeachTrafficStrip::setRows(const QVector<TeachTrafficRow>& rows) {
    rows_ = rows;
    updateGeometry();
    update();
}

int TeachTrafficStrip::labelWidth() const {
    const QFontMetrics metrics(font());
    int widest = 0;
    for (const TeachTrafficRow& row : rows_) widest = std::max(widest, metrics.horizontalAdvance(row.label));
    return widest + 14;
}

QSize TeachTrafficStrip::sizeHint() const {
    const int line = QFontMetrics(font()).height();
    return {700, static_cast<int>(std::max<qsizetype>(1, rows_.size())) * (kRowLines * line + 8) + line + 6};
}

QRect TeachTrafficStrip::rowRect(int row) const {
    const int line = QFontMetrics(font()).height();
    const int height = kRowLines * line;
    return QRect(labelWidth(), row * (height + 8) + 4, std::max(10, width() - labelWidth() - 6), height);
}

void TeachTrafficStrip::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const QColor text = palette().color(QPalette::WindowText);
    const QFontMetrics metrics(font());
    const QColor calm(114, 159, 207), hot(230, 120, 0);
    int channels = 0;
    for (int r = 0; r < rows_.size(); ++r) {
        const TeachTrafficRow& row = rows_[r];
        const QRect area = rowRect(r);
        channels = std::max<int>(channels, row.a.size());
        painter.fillRect(area, palette().color(QPalette::Base));
        painter.setPen(text);
        painter.drawText(QRect(0, area.top(), labelWidth() - 8, area.height()), Qt::AlignRight | Qt::AlignVCenter, row.label);
        if (row.a.isEmpty()) continue;
        const double top = std::max(1e-30, *std::max_element(row.a.begin(), row.a.end()));
        const double slot = static_cast<double>(area.width()) / row.a.size();
        QVector<char> isTop(row.a.size(), 0);
        for (int j : row.top)
            if (j >= 0 && j < row.a.size()) isTop[j] = 1;
        for (int j = 0; j < row.a.size(); ++j) {
            const int h = std::max(1, static_cast<int>(std::lround(row.a[j] / top * (area.height() - 2))));
            const int x0 = area.left() + static_cast<int>(j * slot), x1 = area.left() + static_cast<int>((j + 1) * slot);
            // A top channel is at least 3 px wide, so one hot channel among thousands still shows.
            const int w = isTop[j] ? std::max(3, x1 - x0) : std::max(1, x1 - x0);
            painter.fillRect(QRect(x0, area.bottom() - h + 1, w, h), isTop[j] ? hot : calm);
        }
        painter.setPen(QPen(text, 1));
        painter.drawRect(area);
    }
    if (rows_.isEmpty()) return;
    // Channel numbers under the last row (what the colours mean is the lesson's caption).
    const QRect last = rowRect(static_cast<int>(rows_.size()) - 1);
    painter.setPen(text);
    painter.drawText(QRect(last.left(), last.bottom() + 2, last.width(), metrics.height()), Qt::AlignLeft, "channel 0");
    painter.drawText(QRect(last.left(), last.bottom() + 2, last.width(), metrics.height()), Qt::AlignRight,
                     QString("channel %1").arg(channels - 1));
}

}  // namespace layerlens::ui

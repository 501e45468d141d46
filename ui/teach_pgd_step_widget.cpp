#include "teach_pgd_step_widget.h"

#include <QPainter>
#include <algorithm>
#include <cmath>

#include "teach_text.h"

namespace layerlens::ui {

TeachPgdStepWidget::TeachPgdStepWidget(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void TeachPgdStepWidget::setData(const TeachPgdStepData& data) {
    data_ = data;
    updateGeometry();
    update();
}

int TeachPgdStepWidget::titleWidth() const {
    const QFontMetrics metrics(font());
    int widest = metrics.horizontalAdvance("traffic √C_jj");
    for (const QString& title : data_.rowTitles) widest = std::max(widest, metrics.horizontalAdvance(title));
    return widest + 16;
}

// A line for the number and a bar under it.
int TeachPgdStepWidget::rowHeight() const { return QFontMetrics(font()).height() * 2 + 10; }

QSize TeachPgdStepWidget::sizeHint() const {
    const QFontMetrics metrics(font());
    const int columns = std::max<int>(1, data_.channels.size());
    const int cell = metrics.horizontalAdvance("−0.000") * 2;
    return {titleWidth() + columns * cell, 2 * metrics.height() + 8 + static_cast<int>(data_.rows.size()) * rowHeight()};
}

// Narrower than that still holds one number per cell, so large classroom text does not force
// the page to scroll sideways.
QSize TeachPgdStepWidget::minimumSizeHint() const {
    const QFontMetrics metrics(font());
    const int columns = std::max<int>(1, data_.channels.size());
    return {titleWidth() + columns * (metrics.horizontalAdvance("−0.000") + 14), sizeHint().height()};
}

QVector<TeachPgdStepWidget::Cell> TeachPgdStepWidget::cells() const {
    QVector<Cell> cells;
    const int columns = data_.channels.size();
    if (columns == 0) return cells;
    const QFontMetrics metrics(font());
    const int top = 2 * metrics.height() + 8;
    const int cellWidth = (width() - titleWidth()) / columns;
    for (int r = 0; r < data_.rows.size(); ++r)
        for (int j = 0; j < columns; ++j)
            cells.append({QRect(titleWidth() + j * cellWidth + 3, top + r * rowHeight() + 3, cellWidth - 6, rowHeight() - 6),
                          teachNumber(data_.rows[r][j], 3)});
    return cells;
}

void TeachPgdStepWidget::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QColor text = palette().color(QPalette::WindowText);
    QColor faint = text;
    faint.setAlphaF(0.45);
    const QFontMetrics metrics(font());
    const int columns = data_.channels.size();
    if (columns == 0) return;
    const int cellWidth = (width() - titleWidth()) / columns;
    const int line = metrics.height();

    // Column titles: the channel and its traffic.
    painter.setPen(text);
    painter.drawText(QRect(0, 0, titleWidth(), line), Qt::AlignLeft | Qt::AlignVCenter, "channel");
    painter.drawText(QRect(0, line + 2, titleWidth(), line), Qt::AlignLeft | Qt::AlignVCenter, "traffic √C_jj");
    for (int j = 0; j < columns; ++j) {
        const QRect column(titleWidth() + j * cellWidth, 0, cellWidth, line);
        QFont bold = font();
        bold.setBold(true);
        painter.setFont(bold);
        painter.drawText(column, Qt::AlignCenter, data_.channels[j]);
        painter.setFont(font());
        if (j < data_.traffic.size())
            painter.drawText(column.translated(0, line + 2), Qt::AlignCenter, teachNumber(data_.traffic[j], 2));
    }

    double scale = 1e-12;
    for (const QVector<double>& row : data_.rows)
        for (double v : row) scale = std::max(scale, std::abs(v));
    const QVector<Cell> all = cells();
    const int top = 2 * line + 8;
    for (int r = 0; r < data_.rows.size(); ++r) {
        const QRect titleRect(0, top + r * rowHeight(), titleWidth() - 8, rowHeight());
        painter.setPen(text);
        painter.drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter, data_.rowTitles.value(r));
        for (int j = 0; j < columns; ++j) {
            const Cell& cell = all[r * columns + j];
            const bool hasMask = r < data_.kept.size() && !data_.kept[r].isEmpty();
            const bool kept = hasMask && data_.kept[r][j];
            const double v = data_.rows[r][j];
            // Pruned weights are zero and grey; kept ones framed in green.
            if (hasMask) {
                painter.setPen(kept ? QPen(QColor(78, 154, 6), 3) : QPen(faint, 1, Qt::DashLine));
                painter.setBrush(Qt::NoBrush);
                painter.drawRoundedRect(cell.rect, 5, 5);
            }
            painter.setPen(hasMask && !kept ? faint : text);
            painter.drawText(QRect(cell.rect.left(), cell.rect.top() + 2, cell.rect.width(), line), Qt::AlignCenter,
                             cell.text);
            const int mid = cell.rect.center().x();
            const int half = cell.rect.width() / 2 - 8;
            const int barTop = cell.rect.top() + line + 4, barHeight = std::max(4, cell.rect.bottom() - barTop - 3);
            const int length = static_cast<int>(std::lround(std::abs(v) / scale * half));
            const QColor colour = v >= 0 ? QColor(52, 101, 164) : QColor(204, 0, 0);
            if (length > 0)
                painter.fillRect(v >= 0 ? QRect(mid, barTop, length, barHeight) : QRect(mid - length, barTop, length, barHeight),
                                 colour);
            painter.setPen(QPen(faint, 1));
            painter.drawLine(mid, barTop - 1, mid, barTop + barHeight);
        }
    }
}

}  // namespace layerlens::ui

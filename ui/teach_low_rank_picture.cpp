#include "teach_low_rank_picture.h"

#include <QPainter>
#include <algorithm>
#include <cmath>

namespace layerlens::ui {

namespace {
constexpr int kGap = 16;   // between panels
}

TeachLowRankPicture::TeachLowRankPicture(QWidget* parent) : QWidget(parent) {
    QSizePolicy policy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
}

int TeachLowRankPicture::heightForWidth(int width) const {
    const int count = std::max<int>(3, panels_.size());
    return (width - kGap * (count - 1)) / count + 2 * QFontMetrics(font()).height() + 8;
}

void TeachLowRankPicture::setPanels(const QVector<TeachLowRankPanel>& panels) {
    panels_ = panels;
    update();
}

QRect TeachLowRankPicture::panelRect(int panel) const {
    const int count = std::max<int>(1, panels_.size());
    const int line = QFontMetrics(font()).height();
    const int gap = kGap;
    const int side = std::max(40, std::min((width() - gap * (count - 1)) / count, height() - 2 * line - 8));
    const int left = (width() - count * side - gap * (count - 1)) / 2;
    return QRect(left + panel * (side + gap), 2 * line + 6, side, side);
}

void TeachLowRankPicture::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QColor text = palette().color(QPalette::WindowText);
    QColor faint = text;
    faint.setAlphaF(0.35);
    const QFontMetrics metrics(font());
    // One scale for the input panel, one shared by the output panels.
    double inputScale = 1e-12, outputScale = 1e-12;
    for (int p = 0; p < panels_.size(); ++p)
        for (const QVector<QPointF>* points : {&panels_[p].reference, &panels_[p].guess})
            for (const QPointF& q : *points) {
                double& scale = panels_[p].guess.isEmpty() ? inputScale : outputScale;
                scale = std::max({scale, std::abs(q.x()), std::abs(q.y())});
            }
    for (int p = 0; p < panels_.size(); ++p) {
        const TeachLowRankPanel& panel = panels_[p];
        const QRect area = panelRect(p);
        const double scale = (panel.guess.isEmpty() ? inputScale : outputScale) * 1.1;
        const QPointF centre = QRectF(area).center();
        const double half = area.width() / 2.0;
        auto at = [&](const QPointF& q) { return QPointF(centre.x() + q.x() / scale * half, centre.y() - q.y() / scale * half); };
        painter.fillRect(area, palette().color(QPalette::Base));
        painter.setPen(QPen(faint, 1));
        painter.drawLine(QPointF(area.left(), centre.y()), QPointF(area.right(), centre.y()));
        painter.drawLine(QPointF(centre.x(), area.top()), QPointF(centre.x(), area.bottom()));
        painter.setPen(text);
        // Two lines: what the panel is, then its number ("plain SVD", "E = 68.5%").
        const QStringList lines = panel.title.split('\n');
        for (int l = 0; l < std::min<int>(2, lines.size()); ++l)
            painter.drawText(QRect(area.left() - 8, l * metrics.height(), area.width() + 16, metrics.height()),
                             Qt::AlignHCenter | Qt::AlignVCenter, metrics.elidedText(lines[l], Qt::ElideRight, area.width() + 16));
        painter.save();
        painter.setClipRect(area);
        if (panel.line != QPointF()) {   // the one line every rank-1 output lies on
            const double length = std::hypot(panel.line.x(), panel.line.y());
            const QPointF d = panel.line / length * scale * 2.0;
            QColor c = panel.colour;
            c.setAlphaF(0.5);
            painter.setPen(QPen(c, 2));
            painter.drawLine(at(-d), at(d));
        }
        for (int i = 0; i < panel.guess.size() && i < panel.reference.size(); ++i) {
            painter.setPen(QPen(QColor(204, 0, 0, 150), 1.5));
            painter.drawLine(at(panel.reference[i]), at(panel.guess[i]));
        }
        painter.setBrush(Qt::NoBrush);
        painter.setPen(QPen(panel.guess.isEmpty() ? panel.colour : text, 1.5));
        for (const QPointF& q : panel.reference) painter.drawEllipse(at(q), 4.5, 4.5);
        painter.setPen(Qt::NoPen);
        painter.setBrush(panel.colour);
        for (const QPointF& q : panel.guess) painter.drawEllipse(at(q), 4, 4);
        painter.restore();
        painter.setPen(QPen(text, 1));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(area);
    }
}

}  // namespace layerlens::ui

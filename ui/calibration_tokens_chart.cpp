#include "calibration_tokens_chart.h"

#include <QPainter>
#include <cmath>

#include "calibration_model.h"

namespace layerlens::ui {

namespace {
const QColor kCurve(0, 114, 178);
}

CalibrationTokensChart::CalibrationTokensChart(CalibrationModel* model, QWidget* parent) : QWidget(parent), model_(model) {
    setContextMenuPolicy(Qt::CustomContextMenu);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Expanding);
    setToolTip("The mean overlap of the top-1% channels of subsamples of the layer's tokens, against the subsample's size. "
               "Dashed: the overlap counted as stable.");
    connect(model_, &CalibrationModel::runChanged, this, qOverload<>(&QWidget::update));
}

QRectF CalibrationTokensChart::plotRect() const {
    const int line = QFontMetrics(font()).lineSpacing();
    return QRectF(44, 2.5 * line + 8, std::max(40, width() - 44 - 22), std::max(40.0, height() - 4.5 * line - 14));
}

std::vector<QPointF> CalibrationTokensChart::points() const {
    std::vector<QPointF> result;
    if (!model_->run()) return result;
    const auto& curve = model_->run()->check.stability.by_tokens;
    if (curve.empty()) return result;
    // Tokens on a log axis: the subsamples double, so the points sit evenly apart.
    const QRectF plot = plotRect();
    const double first = std::log2(static_cast<double>(std::max<Eigen::Index>(1, curve.front().tokens)));
    const double last = std::log2(static_cast<double>(std::max<Eigen::Index>(1, curve.back().tokens)));
    for (const SubsampleStability& p : curve) {
        const double t = last > first ? (std::log2(static_cast<double>(std::max<Eigen::Index>(1, p.tokens))) - first) / (last - first) : 0.5;
        result.emplace_back(plot.left() + t * plot.width(), plot.bottom() - std::clamp(p.mean_jaccard, 0.0, 1.0) * plot.height());
    }
    return result;
}

void CalibrationTokensChart::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QColor text = palette().color(QPalette::WindowText);
    const QFontMetrics metrics(font());
    const int line = metrics.lineSpacing();
    const QRectF plot = plotRect();
    QFont bold = font();
    bold.setBold(true);
    painter.setFont(bold);
    painter.setPen(text);
    painter.drawText(QRectF(8, 2, width() - 8, line), Qt::AlignLeft | Qt::AlignVCenter, "Top-set overlap against tokens");
    painter.setFont(font());
    QColor muted = text;
    muted.setAlphaF(0.75);
    painter.setPen(muted);
    painter.drawText(QRectF(8, 2 + line, width() - 8, line), Qt::AlignLeft | Qt::AlignVCenter,
                     metrics.elidedText("dashed: stable (overlap 0.9)", Qt::ElideRight, width() - 8));

    QColor grid = text;
    grid.setAlphaF(0.15);
    for (double v : {0.0, 0.25, 0.5, 0.75, 1.0}) {
        const double y = plot.bottom() - v * plot.height();
        painter.setPen(QPen(grid, 1));
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        painter.setPen(text);
        painter.drawText(QRectF(0, y - line / 2.0, plot.left() - 6, line), Qt::AlignRight | Qt::AlignVCenter, QString::number(v, 'g', 2));
    }
    painter.setPen(QPen(text, 1));
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    painter.drawLine(plot.bottomLeft(), plot.topLeft());
    const double stableY = plot.bottom() - kStableJaccard * plot.height();
    painter.setPen(QPen(QColor(0, 158, 115), 1.5, Qt::DashLine));
    painter.drawLine(QPointF(plot.left(), stableY), QPointF(plot.right(), stableY));

    const std::vector<QPointF> at = points();
    if (at.empty()) return;
    const auto& curve = model_->run()->check.stability.by_tokens;
    painter.setPen(QPen(kCurve, 2));
    for (size_t k = 1; k < at.size(); ++k) painter.drawLine(at[k - 1], at[k]);
    painter.setBrush(kCurve);
    for (size_t k = 0; k < at.size(); ++k) {
        painter.setPen(Qt::NoPen);
        painter.drawEllipse(at[k], 3.5, 3.5);
        painter.setPen(text);
        // The token count under the axis, and the overlap beside the point.
        painter.drawText(QRectF(at[k].x() - 40, plot.bottom() + 4, 80, line), Qt::AlignCenter,
                         tokenCountText(static_cast<double>(curve[k].tokens)));
        // Above a point higher than its neighbours' middle, below one lower, so the line never
        // runs through its own label.
        const double before = at[k > 0 ? k - 1 : k].y(), after = at[k + 1 < at.size() ? k + 1 : k].y();
        const bool above = at[k].y() <= (before + after) / 2 && at[k].y() - line - 4 > plot.top();
        painter.drawText(QRectF(at[k].x() - 40, above ? at[k].y() - line - 4 : at[k].y() + 4, 80, line), Qt::AlignCenter,
                         QString::number(curve[k].mean_jaccard, 'f', 2));
    }
    painter.setBrush(Qt::NoBrush);
    painter.setPen(text);
    painter.drawText(QRectF(plot.left(), plot.bottom() + 4 + line, plot.width(), line), Qt::AlignCenter, "tokens (log)");
}

}  // namespace layerlens::ui

#include "model_chart_view.h"

#include <QFileInfo>
#include <QtCharts/QChart>
#include <QtCharts/QLegend>
#include <QGraphicsLayout>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <cmath>
#include <map>

#include "method_label.h"
#include "model_eval_model.h"

namespace layerlens::ui {

namespace {

// QLogValueAxis draws ticks only at powers of its base: base 10 over three decades or more,
// else base 2 (8, 16, 32 …), with the range widened to the enclosing powers when fewer than
// two would fall inside, so a narrow range (a quantisation table, only the dense row) still
// has labels.
void fitPerplexityAxis(QLogValueAxis* axis, double lowest, double highest) {
    const double ratio = std::max(highest / lowest, 1.0);
    const double base = ratio >= 1000 ? 10.0 : 2.0;
    const double margin = std::max(1.05, std::pow(ratio, 0.08));
    double bottom = lowest / margin, top = highest * margin;
    const double low = std::log(bottom) / std::log(base), high = std::log(top) / std::log(base);
    if (std::floor(high) - std::ceil(low) + 1 < 2) {
        bottom = std::pow(base, std::floor(low));
        top = std::pow(base, std::ceil(high));
    }
    axis->setBase(base);
    // Powers from 1 up are whole numbers: "10000" rather than %g's "1e+04".
    axis->setLabelFormat(bottom >= 1 ? "%.0f" : "%.3g");
    axis->setRange(bottom, top);
}

// 1, 2 or 5 times a power of ten, at least `smallest`.
double niceStep(double rough, double smallest) {
    if (!(rough > smallest)) return smallest;
    const double power = std::pow(10.0, std::floor(std::log10(rough)));
    for (double m : {1.0, 2.0, 5.0})
        if (rough <= m * power) return m * power;
    return 10 * power;
}

bool plottable(double perplexity) { return std::isfinite(perplexity) && perplexity > 0; }

}  // namespace

ModelChartView::ModelChartView(ModelEvalModel* model, QWidget* parent)
    : QChartView(new QChart, parent), model_(model), x_(new QValueAxis), y_(new QLogValueAxis) {
    setRenderHint(QPainter::Antialiasing);
    // Follow a dark desktop palette; Qt Charts' default theme is always light.
    if (palette().color(QPalette::Window).lightness() < 128) {
        chart()->setTheme(QChart::ChartThemeDark);
        chart()->setBackgroundBrush(palette().color(QPalette::Base));
    }
    chart()->legend()->setAlignment(Qt::AlignRight);
    // The axes live as long as the chart and are refitted: Qt Charts 6.4 can lose the axes and
    // the legend from its layout when they are removed and re-added several times between paints
    // (rows arriving in a burst).
    x_->setTickType(QValueAxis::TicksDynamic);
    x_->setTickAnchor(0.0);
    y_->setMinorTickCount(0);
    y_->setTitleText("perplexity (log scale, lower is better)");
    chart()->addAxis(x_, Qt::AlignBottom);
    chart()->addAxis(y_, Qt::AlignLeft);
    setToolTip("Perplexity of each compressed model on the evaluation sequences; the dashed line is the dense model.");
    connect(model_, &QAbstractItemModel::modelReset, this, &ModelChartView::rebuild);
    rebuild();
}

void ModelChartView::rebuild() {
    QChart* c = chart();
    c->removeAllSeries();
    dense_ = nullptr;
    const ModelEvaluation& evaluation = model_->evaluation();
    const ModelEvalLayout& layout = model_->layout();
    x_->setVisible(!evaluation.rows.empty());
    y_->setVisible(!evaluation.rows.empty());
    if (evaluation.rows.empty()) {
        c->setTitle("Perplexity against the budget: choose a model and press Run, or open an evaluation JSON");
        return;
    }
    const QString model = QFileInfo(QString::fromStdString(evaluation.model_path)).fileName();
    c->setTitle(QString("%1perplexity against %2, one line per method")
                    .arg(model.isEmpty() ? QString() : model + ": ",
                         layout.axis == ChartAxis::Sparsity ? "target sparsity" : "bits per weight"));

    // Each compressed method's points in budget order.
    std::map<std::string, std::vector<QPointF>> points;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (const ModelEvalRow& row : evaluation.rows) {
        if (row.method == "dense" || !plottable(row.perplexity)) continue;
        const QPointF p(budgetX(row, layout.axis), row.perplexity);
        points[row.method].push_back(p);
        x0 = std::min(x0, p.x()), x1 = std::max(x1, p.x());
        y0 = std::min(y0, p.y()), y1 = std::max(y1, p.y());
    }
    const ModelEvalRow* dense = layout.shape.dense >= 0 ? &evaluation.rows[static_cast<size_t>(layout.shape.dense)] : nullptr;
    if (dense && plottable(dense->perplexity)) y0 = std::min(y0, dense->perplexity), y1 = std::max(y1, dense->perplexity);
    if (!std::isfinite(x0)) {
        // Only the dense row: its line across a unit range.
        x0 = layout.axis == ChartAxis::Sparsity ? 0.0 : dense ? dense->bits_per_weight : 16.0;
        x1 = x0;
    }
    const double pad = x1 > x0 ? 0.06 * (x1 - x0) : layout.axis == ChartAxis::Sparsity ? 5.0 : 0.5;
    x_->setTitleText(budgetAxisTitle(layout.axis));
    x_->setRange(x0 - pad, x1 + pad);
    x_->setLabelFormat(layout.axis == ChartAxis::Sparsity ? "%.0f%%" : "%.3g");
    // Ticks on round values (50%, 60%, …), not at the padded ends.
    x_->setTickInterval(niceStep((x1 - x0) / 5, layout.axis == ChartAxis::Sparsity ? 5.0 : 0.5));
    if (std::isfinite(y0)) fitPerplexityAxis(y_, y0, y1);
    auto attach = [&](QLineSeries* series) {
        c->addSeries(series);
        series->attachAxis(x_);
        series->attachAxis(y_);
    };

    // Lines in the order the table lists the methods.
    for (const std::string& method : layout.shape.methods) {
        auto it = points.find(method);
        if (it == points.end()) continue;
        std::sort(it->second.begin(), it->second.end(), [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); });
        auto* line = new QLineSeries;
        line->setName(methodLabel(method));
        line->setPointsVisible(true);
        line->setMarkerSize(8);
        for (const QPointF& p : it->second) line->append(p);
        attach(line);
    }
    if (dense && plottable(dense->perplexity)) {
        dense_ = new QLineSeries;
        const QString label = "dense " + shortPerplexityText(dense->perplexity);
        dense_->setName(label);
        // Three points: the ends of the axis and, a little in from the right end, the one that
        // carries the label (a label is centred on its point, so at an end half of it would hang
        // over the axis; at the right the compressed models are furthest above the dense line).
        const double left = x0 - pad, right = x1 + pad;
        dense_->append(left, dense->perplexity);
        dense_->append(right - 0.06 * (right - left), dense->perplexity);
        dense_->append(right, dense->perplexity);
        QPen pen(palette().color(QPalette::Text));
        pen.setStyle(Qt::DashLine);
        pen.setWidthF(1.5);
        dense_->setPen(pen);
        dense_->setPointLabelsFormat(label);
        dense_->setPointLabelsVisible(true);
        dense_->setPointLabelsClipping(false);
        dense_->setPointLabelsColor(pen.color());
        for (int end : {0, 2}) dense_->setPointConfiguration(end, {{QXYSeries::PointConfiguration::LabelVisibility, false}});
        attach(dense_);
    }
    // Qt Charts 6.4 hides the legend's items whenever a series is added and shows them again
    // only from its layout's setGeometry, which does not run when the legend keeps its size (the
    // same methods drawn again when a run ends): lay it out here.
    if (QGraphicsLayout* legendLayout = c->legend()->layout()) legendLayout->setGeometry(legendLayout->geometry());
}

}  // namespace layerlens::ui

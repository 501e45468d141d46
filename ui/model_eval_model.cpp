#include "model_eval_model.h"

#include <QFont>
#include <QPalette>
#include <QGuiApplication>
#include <algorithm>

#include "method_label.h"

namespace layerlens::ui {

namespace {

QString rowToolTip(const ModelEvalRow& row) {
    QString text = QString("<b>%1%2</b><br>perplexity %3<br>KL(dense ‖ model) %4 nats per token")
                       .arg(methodLabel(row.method).toHtmlEscaped(),
                            row.budget.empty() ? QString() : " at " + QString::fromStdString(row.budget).toHtmlEscaped(),
                            perplexityText(row.perplexity))
                       .arg(row.kl, 0, 'g', 4);
    if (row.method == "dense") return text + "<br>the uncompressed model: every budget's reference";
    return text + QString("<br>mean layer error E %1<br>%2 bits per weight, %3% sparse<br>compressed in %4 s, evaluated in %5 s")
                      .arg(row.mean_layer_error, 0, 'g', 4)
                      .arg(row.bits_per_weight, 0, 'g', 4)
                      .arg(100.0 * row.sparsity, 0, 'f', 1)
                      .arg(row.seconds, 0, 'f', 1)
                      .arg(row.eval_seconds, 0, 'f', 1);
}

}  // namespace

void ModelEvalModel::setEvaluation(ModelEvaluation evaluation) {
    beginResetModel();
    evaluation_ = std::move(evaluation);
    relayout();
    endResetModel();
}

void ModelEvalModel::addRow(const ModelEvaluation& header, const ModelEvalRow& row) {
    // A new row may add a method and a budget at once: the table is small, so it is laid out anew.
    beginResetModel();
    std::vector<ModelEvalRow> rows = std::move(evaluation_.rows);
    evaluation_ = header;
    evaluation_.rows = std::move(rows);
    evaluation_.rows.push_back(row);
    relayout();
    endResetModel();
}

void ModelEvalModel::clear() { setEvaluation({}); }

void ModelEvalModel::relayout() { layout_ = layoutModelRows(evaluation_); }

int ModelEvalModel::denseRows() const { return layout_.shape.dense >= 0 ? 1 : 0; }

const std::string& ModelEvalModel::methodAt(int tableRow) const {
    static const std::string dense = "dense";
    return tableRow < denseRows() ? dense : layout_.shape.methods[static_cast<size_t>(tableRow - denseRows())];
}

const ModelEvalRow* ModelEvalModel::rowAt(int method, int budget) const {
    if (method < 0 || method >= rowCount() || budget < 0 || budget >= columnCount()) return nullptr;
    if (method < denseRows()) return &evaluation_.rows[static_cast<size_t>(layout_.shape.dense)];
    const int k = layout_.shape.cells[static_cast<size_t>(method - denseRows())][static_cast<size_t>(budget)];
    return k < 0 ? nullptr : &evaluation_.rows[static_cast<size_t>(k)];
}

int ModelEvalModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : denseRows() + static_cast<int>(layout_.shape.methods.size());
}

int ModelEvalModel::columnCount(const QModelIndex& parent) const {
    // Only a dense row: one column for its perplexity.
    if (parent.isValid() || rowCount() == 0) return 0;
    return std::max<int>(1, static_cast<int>(layout_.shape.budgets.size()));
}

QVariant ModelEvalModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Horizontal) {
        if (section < 0 || section >= columnCount()) return {};
        if (layout_.shape.budgets.empty()) return role == Qt::DisplayRole ? QVariant("perplexity") : QVariant();
        const QString budget = QString::fromStdString(layout_.shape.budgets[static_cast<size_t>(section)]);
        if (role == Qt::DisplayRole) return budget;
        if (role == Qt::ToolTipRole) return "Perplexity at " + budget + " (lower is better); the best compressed method in bold.";
        return {};
    }
    if (section < 0 || section >= rowCount()) return {};
    const std::string& method = methodAt(section);
    if (role == Qt::DisplayRole) return methodLabel(method);
    if (role == Qt::ToolTipRole) {
        if (method == "dense") return QString("The uncompressed model.");
        for (const MethodInfo& info : all_methods())
            if (info.name == method) return QString::fromStdString(info.description);
    }
    return {};
}

QVariant ModelEvalModel::data(const QModelIndex& index, int role) const {
    const ModelEvalRow* row = index.isValid() ? rowAt(index.row(), index.column()) : nullptr;
    if (!row) return role == Qt::ToolTipRole ? QVariant("not run") : QVariant();
    const bool dense = row->method == "dense";
    switch (role) {
    case Qt::DisplayRole: return perplexityText(row->perplexity);
    case PerplexityRole: return row->perplexity;
    case Qt::ToolTipRole: return rowToolTip(*row);
    case Qt::TextAlignmentRole: return int(Qt::AlignCenter);
    case Qt::FontRole: {
        if (dense || layout_.shape.budgets.empty() || row->perplexity != layout_.best[static_cast<size_t>(index.column())]) return {};
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    case Qt::ForegroundRole:
        // The dense row repeats one number in every column: the reference, drawn quieter.
        return dense ? QVariant(QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text)) : QVariant();
    default: return {};
    }
}

}  // namespace layerlens::ui

#pragma once
// The Model tab's evaluation: the rows so far of a run (or all of an opened JSON file), laid out
// as the AWP paper's tables — methods down, budgets across, perplexity in each cell with KL and
// the other numbers in its tooltip, the best compressed method of each budget in bold. The
// chart watches the same model (modelReset) and draws its lines from layout().
#include <QAbstractTableModel>

#include "model/model_evaluation.h"
#include "model_eval_layout.h"

namespace layerlens::ui {

class ModelEvalModel : public QAbstractTableModel {
    Q_OBJECT
public:
    static constexpr int PerplexityRole = Qt::UserRole;   // the cell's perplexity as a double

    using QAbstractTableModel::QAbstractTableModel;

    void setEvaluation(ModelEvaluation evaluation);
    // A row of a run: `header` holds the evaluation's fields (model, token counts) without rows.
    void addRow(const ModelEvaluation& header, const ModelEvalRow& row);
    void clear();
    const ModelEvaluation& evaluation() const { return evaluation_; }
    const ModelEvalLayout& layout() const { return layout_; }
    bool isEmpty() const { return evaluation_.rows.empty(); }
    // The row behind a cell; null for an empty cell. The dense row (first) fills every budget column.
    const ModelEvalRow* rowAt(int method, int budget) const;
    // The method of a table row: "dense", then core's table shape's methods.
    const std::string& methodAt(int tableRow) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void relayout();
    int denseRows() const;

    ModelEvaluation evaluation_;
    ModelEvalLayout layout_;
};

}  // namespace layerlens::ui

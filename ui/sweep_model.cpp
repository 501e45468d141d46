#include "sweep_model.h"

#include "result_field_data.h"
#include "result_format.h"

namespace layerlens::ui {

void SweepModel::setAxisName(const QString& axis) {
    axis_ = axis;
    emit headerDataChanged(Qt::Horizontal, 0, 0);
}

void SweepModel::clear() {
    beginResetModel();
    outcomes_.clear();
    endResetModel();
}

void SweepModel::add(const OutcomePtr& outcome) {
    if (!outcome || !outcome->result) return;
    const int row = static_cast<int>(outcomes_.size());
    beginInsertRows({}, row, row);
    outcomes_.push_back(outcome);
    endInsertRows();
}

int SweepModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(outcomes_.size()); }
int SweepModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : 1 + static_cast<int>(result_fields().size());
}

QVariant SweepModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= columnCount()) return {};
    if (section == 0) return role == Qt::DisplayRole ? QVariant("swept " + axis_) : role == Qt::ToolTipRole ? QVariant("The swept budget value.") : QVariant();
    const ResultField& field = result_fields()[static_cast<size_t>(section - 1)];
    if (role == Qt::DisplayRole) return QString::fromStdString(field.header);
    if (role == Qt::ToolTipRole) return QString::fromStdString(field.help);
    return {};
}

QVariant SweepModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const MethodOutcome& outcome = *outcomes_[static_cast<size_t>(index.row())];
    if (index.column() == 0) {
        if (role == Qt::DisplayRole) return QString::fromStdString(exact_number(outcome.request.sweepX));
        if (role == Qt::UserRole) return outcome.request.sweepX;
        return role == Qt::TextAlignmentRole ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter)) : QVariant();
    }
    const ResultField& field = result_fields()[static_cast<size_t>(index.column() - 1)];
    return resultFieldData(field, outcome.result.get(), outcome.request.method, role);
}

QString SweepModel::toCsv() const {
    std::string out = csv_header() + "\n";
    for (const OutcomePtr& o : outcomes_) out += csv_row(o->layer, *o->result) + "\n";
    return QString::fromStdString(out);
}

QByteArray SweepModel::toJson() const {
    // The runner kept only the numbers of every point (no Ŵ), so these copies are small.
    std::vector<MethodResult> results;
    for (const OutcomePtr& o : outcomes_) results.push_back(*o->result);
    const std::string layer = outcomes_.empty() ? std::string() : outcomes_.front()->layer;
    return QByteArray::fromStdString(results_json_text(layer, results));
}

}  // namespace layerlens::ui

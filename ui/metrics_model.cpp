#include "metrics_model.h"

#include "result_field_data.h"
#include "result_format.h"
#include "result_json.h"

namespace layerlens::ui {

namespace {

const std::vector<ResultField>& fields() { return result_fields(); }
const ResultField* fieldAt(int column) {
    return column >= 0 && column < static_cast<int>(fields().size()) ? &fields()[static_cast<size_t>(column)] : nullptr;
}

}  // namespace

int MetricsModel::columnOf(const std::string& key) {
    for (size_t k = 0; k < fields().size(); ++k)
        if (fields()[k].key == key) return static_cast<int>(k);
    return key == "status" ? statusColumn() : -1;
}

int MetricsModel::statusColumn() { return static_cast<int>(fields().size()); }

int MetricsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(rows_.size()); }
int MetricsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : statusColumn() + 1; }

QVariant MetricsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    const ResultField* field = fieldAt(section);
    if (role == Qt::DisplayRole) return field ? QString::fromStdString(field->header) : QString("status");
    if (role == Qt::ToolTipRole)
        return field ? QString::fromStdString(field->help) : QString("Whether this row is from the latest run, or why not.");
    return {};
}

const MethodResult* MetricsModel::resultAt(int row) const {
    const Row& r = rows_[static_cast<size_t>(row)];
    return r.outcome && r.outcome->result ? r.outcome->result.get() : nullptr;
}

QVariant MetricsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const Row& row = rows_[static_cast<size_t>(index.row())];
    const MethodResult* r = resultAt(index.row());
    const ResultField* field = fieldAt(index.column());
    if (!field) {   // status
        if (role == Qt::DisplayRole || role == Qt::UserRole || role == Qt::ToolTipRole) return row.status;
        return {};
    }
    return resultFieldData(*field, r, row.method, role);
}

int MetricsModel::rowOf(const std::string& method) const {
    for (size_t k = 0; k < rows_.size(); ++k)
        if (rows_[k].method == method) return static_cast<int>(k);
    return -1;
}

void MetricsModel::beginRun(const std::vector<MethodJob>& jobs) {
    beginResetModel();
    std::vector<Row> next;
    for (const MethodJob& job : jobs) {
        Row row;
        row.method = job.method;
        if (const int old = rowOf(job.method); old >= 0) {
            row.outcome = rows_[static_cast<size_t>(old)].outcome;
            row.layer = rows_[static_cast<size_t>(old)].layer;
        }
        row.status = "queued";
        next.push_back(row);
    }
    rows_ = std::move(next);
    endResetModel();
}

void MetricsModel::setStatus(int job, const QString& status) {
    if (job < 0 || job >= static_cast<int>(rows_.size())) return;
    rows_[static_cast<size_t>(job)].status = status;
    emit dataChanged(index(job, statusColumn()), index(job, statusColumn()));
}

void MetricsModel::setOutcome(const OutcomePtr& outcome) {
    const int job = outcome->job;
    if (job < 0 || job >= static_cast<int>(rows_.size())) return;
    Row& row = rows_[static_cast<size_t>(job)];
    row.finishedThisRun = true;
    if (outcome->result) {
        row.outcome = outcome;
        row.layer = outcome->layer;
        row.status = "done";
    } else {
        row.status = "failed: " + QString::fromStdString(outcome->error);
        if (row.outcome) row.status += " (previous result)";
        else row.layer = outcome->layer;
    }
    emit dataChanged(index(job, 0), index(job, statusColumn()));
}

void MetricsModel::endRun(const QString& why) {
    for (Row& row : rows_)
        if (!row.finishedThisRun) row.status = row.outcome ? "previous result (" + why + ")" : why;
    if (!rows_.empty()) emit dataChanged(index(0, statusColumn()), index(static_cast<int>(rows_.size()) - 1, statusColumn()));
}

QString MetricsModel::toCsv() const {
    std::string out = csv_header() + ",status\n";
    for (size_t k = 0; k < rows_.size(); ++k) {
        const Row& row = rows_[k];
        const MethodResult* r = resultAt(static_cast<int>(k));
        std::string line;
        if (r) {
            line = csv_row(row.layer, *r);
        } else {
            line = csv_field(row.layer);
            for (const ResultField& field : fields()) line += "," + (field.key == "method" ? csv_field(row.method) : "");
        }
        out += line + "," + csv_field(row.status.toStdString()) + "\n";
    }
    return QString::fromStdString(out);
}

QByteArray MetricsModel::toJson() const {
    nlohmann::json array = nlohmann::json::array();
    for (size_t k = 0; k < rows_.size(); ++k) {
        const Row& row = rows_[k];
        const MethodResult* r = resultAt(static_cast<int>(k));
        nlohmann::json object = r ? result_to_json(row.layer, *r) : nlohmann::json{{"layer", row.layer}, {"method", row.method}};
        object["status"] = row.status.toStdString();
        array.push_back(std::move(object));
    }
    return QByteArray::fromStdString(json_text(array));
}

}  // namespace layerlens::ui

#include "metrics_model.h"

#include "method_label.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "method_registry.h"

namespace layerlens::ui {

namespace {
QString valueText(const ParamValue& v) {
    return std::visit(
        [](const auto& x) -> QString {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, bool>) return x ? "yes" : "no";
            else if constexpr (std::is_same_v<T, std::string>) return QString::fromStdString(x);
            else return QString::number(x, 'g', 4);
        },
        v);
}
QJsonValue jsonOf(const ParamValue& v) {
    return std::visit(
        [](const auto& x) -> QJsonValue {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) return QString::fromStdString(x);
            else if constexpr (std::is_same_v<T, long long>) return static_cast<qint64>(x);
            else return x;
        },
        v);
}
}  // namespace

QString budgetText(const MethodResult& result) {
    // Show the budget keys a reader compares across methods, in a fixed order.
    static const char* keys[] = {"bits", "group_size_used", "sparsity", "pattern", "rank", "param_ratio", "keep_fraction",
                                 "iterations", "iters"};
    QStringList parts;
    for (const char* key : keys)
        for (const auto& [name, value] : result.params)
            if (name == key) {
                if (name == "pattern" && valueText(value) == "unstructured") continue;
                parts << QString::fromStdString(name == "group_size_used" ? "group" : name) + " " + valueText(value);
            }
    return parts.join(", ");
}

int MetricsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(rows_.size()); }
int MetricsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant MetricsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    static const char* names[] = {"method", "budget", "E", "sparsity", "bits/weight", "seconds", "status"};
    static const char* tips[] = {"The compression method.",
                                 "The budget it ran with (bits, group, sparsity, rank).",
                                 "Relative output error E = ‖X(W−Ŵ)ᵀ‖² / ‖XWᵀ‖²: the one number every method is judged by.",
                                 "Fraction of exact zeros in Ŵ.",
                                 "Storage cost per weight including scales and zero points.",
                                 "Time the method took.",
                                 "Whether this row is from the latest run."};
    if (role == Qt::DisplayRole) return names[section];
    if (role == Qt::ToolTipRole) return tips[section];
    return {};
}

QVariant MetricsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const Row& row = rows_[static_cast<size_t>(index.row())];
    const MethodResult* r = row.outcome && row.outcome->result ? row.outcome->result.get() : nullptr;
    if (role == Qt::UserRole) {   // sort key
        switch (index.column()) {
        case Error: return r ? QVariant(r->relative_output_error) : QVariant(1e300);
        case Sparsity: return r ? QVariant(r->sparsity) : QVariant(-1.0);
        case BitsPerWeight: return r ? QVariant(r->bits_per_weight) : QVariant(1e300);
        case Seconds: return r ? QVariant(r->seconds) : QVariant(1e300);
        default: return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() >= Error && index.column() <= Seconds)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case Method: return methodLabel(row.method);
    case Budget: return r ? budgetText(*r) : QString();
    case Error: return r ? QString("%1%").arg(100.0 * r->relative_output_error, 0, 'g', 4) : QString();
    case Sparsity: return r ? QString("%1%").arg(100.0 * r->sparsity, 0, 'f', 1) : QString();
    case BitsPerWeight: return r ? QString::number(r->bits_per_weight, 'g', 4) : QString();
    case Seconds: return r ? QString::number(r->seconds, 'f', 3) : QString();
    case Status: return row.status;
    }
    return {};
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
        const int old = rowOf(job.method);
        if (old >= 0) row.outcome = rows_[static_cast<size_t>(old)].outcome;
        row.status = "queued";
        next.push_back(row);
    }
    rows_ = std::move(next);
    jobRows_.clear();
    for (size_t k = 0; k < jobs.size(); ++k) jobRows_.push_back(static_cast<int>(k));
    endResetModel();
}

void MetricsModel::setStatus(int job, const QString& status) {
    if (job < 0 || job >= static_cast<int>(rows_.size())) return;
    rows_[static_cast<size_t>(job)].status = status;
    emit dataChanged(index(job, Status), index(job, Status));
}

void MetricsModel::setOutcome(const OutcomePtr& outcome) {
    const int job = outcome->job;
    if (job < 0 || job >= static_cast<int>(rows_.size())) return;
    Row& row = rows_[static_cast<size_t>(job)];
    row.finishedThisRun = true;
    if (outcome->result) {
        row.outcome = outcome;
        row.status = "done";
    } else {
        row.status = "failed: " + QString::fromStdString(outcome->error);
        if (row.outcome) row.status += " (previous result)";
    }
    emit dataChanged(index(job, 0), index(job, ColumnCount - 1));
}

void MetricsModel::endRun(const QString& why) {
    for (size_t k = 0; k < rows_.size(); ++k)
        if (!rows_[k].finishedThisRun) rows_[k].status = rows_[k].outcome ? "previous result (" + why + ")" : why;
    if (!rows_.empty()) emit dataChanged(index(0, Status), index(static_cast<int>(rows_.size()) - 1, Status));
}

QString MetricsModel::toCsv() const {
    QString out = "method,budget,relative_output_error,sparsity,bits_per_weight,seconds,status\n";
    auto quote = [](QString s) { return "\"" + s.replace("\"", "\"\"") + "\""; };
    for (const Row& row : rows_) {
        const MethodResult* r = row.outcome && row.outcome->result ? row.outcome->result.get() : nullptr;
        out += QString::fromStdString(row.method) + "," + quote(r ? budgetText(*r) : QString()) + ",";
        if (r)
            out += QString("%1,%2,%3,%4,")
                       .arg(r->relative_output_error, 0, 'g', 10)
                       .arg(r->sparsity, 0, 'g', 10)
                       .arg(r->bits_per_weight, 0, 'g', 10)
                       .arg(r->seconds, 0, 'g', 6);
        else
            out += ",,,,";
        out += quote(row.status) + "\n";
    }
    return out;
}

QByteArray MetricsModel::toJson() const {
    QJsonArray array;
    for (const Row& row : rows_) {
        QJsonObject o;
        o["method"] = QString::fromStdString(row.method);
        o["status"] = row.status;
        if (row.outcome && row.outcome->result) {
            const MethodResult& r = *row.outcome->result;
            QJsonObject params;
            for (const auto& [k, v] : r.params) params[QString::fromStdString(k)] = jsonOf(v);
            o["params"] = params;
            o["relative_output_error"] = r.relative_output_error;
            o["sparsity"] = r.sparsity;
            o["bits_per_weight"] = r.bits_per_weight;
            o["seconds"] = r.seconds;
            QJsonArray loss;
            for (double E : r.loss_history) loss.append(E);
            if (!loss.isEmpty()) o["loss_history"] = loss;
        }
        array.append(o);
    }
    return QJsonDocument(array).toJson(QJsonDocument::Indented);
}

}  // namespace layerlens::ui

#include "layer_map_model.h"

#include <QStringList>
#include <algorithm>
#include <numeric>

#include "colour_map.h"
#include "method_label.h"
#include "param_spec.h"
#include "result_format.h"

namespace layerlens::ui {

namespace {

QString number(double value) { return QString::number(value, 'g', 4); }

// E of a cell that has one; failed and not-yet-run cells sort after every number.
bool before(const std::optional<double>& a, const std::optional<double>& b) {
    if (a && b) return *a > *b;
    return a.has_value() && !b.has_value();
}

}  // namespace

void LayerMapModel::clear() {
    beginResetModel();
    layers_.clear();
    facts_.clear();
    points_.clear();
    rows_.clear();
    cells_.clear();
    summary_.reset();
    selected_ = 0;
    endResetModel();
    rebuild();
}

void LayerMapModel::begin(const LayerMapShape& shape) {
    beginResetModel();
    layers_ = shape.layers;
    facts_.assign(layers_.size(), SweepLayerFacts{});
    points_ = shape.points;
    rows_.clear();
    cells_.assign(layers_.size() * points_.size(), -1);
    summary_.reset();
    selected_ = std::clamp(selected_, 0, std::max(0, static_cast<int>(points_.size()) - 1));
    endResetModel();
    rebuild();
}

void LayerMapModel::setRows(const std::vector<SweepRow>& rows, const ModelSweepSummary& summary) {
    beginResetModel();
    // Layers in the sweep's order (layer_index), points in the order the plan numbered them (work).
    std::vector<const SweepRow*> byWork;
    for (const SweepRow& row : rows) byWork.push_back(&row);
    std::stable_sort(byWork.begin(), byWork.end(), [](const SweepRow* a, const SweepRow* b) { return a->work < b->work; });
    std::vector<std::pair<std::size_t, std::string>> layers;
    points_.clear();
    for (const SweepRow* row : byWork) {
        if (std::none_of(layers.begin(), layers.end(), [&](const auto& l) { return l.second == row->layer; }))
            layers.push_back({row->layer_index, row->layer});
        const SweepPointKey key{row->method, row->budget};
        if (std::find(points_.begin(), points_.end(), key) == points_.end()) points_.push_back(key);
    }
    std::stable_sort(layers.begin(), layers.end());
    layers_.clear();
    for (const auto& layer : layers) layers_.push_back(layer.second);
    facts_.assign(layers_.size(), SweepLayerFacts{});
    cells_.assign(layers_.size() * points_.size(), -1);
    rows_ = rows;
    for (const SweepRow& row : rows_) place(row);
    summary_ = summary;
    selected_ = std::clamp(selected_, 0, std::max(0, static_cast<int>(points_.size()) - 1));
    endResetModel();
    rebuild();
}

void LayerMapModel::addRows(const std::vector<SweepRow>& rows) {
    const int oldLayers = static_cast<int>(layers_.size()), oldPoints = static_cast<int>(points_.size());
    bool grew = false;
    for (const SweepRow& row : rows) grew = grew || layerIndexOf(row) < 0 || pointIndexOf(row) < 0;
    if (grew) beginResetModel();
    for (const SweepRow& row : rows) {
        rows_.push_back(row);
        place(rows_.back());
    }
    if (grew) endResetModel();
    else if (oldLayers > 0 && oldPoints > 0) emit dataChanged(index(0, 0), index(oldLayers - 1, oldPoints - 1));
    rebuild();
}

void LayerMapModel::setSummary(const ModelSweepSummary& summary) {
    summary_ = summary;
    rebuild();
}

int LayerMapModel::layerIndexOf(const SweepRow& row) {
    const auto it = std::find(layers_.begin(), layers_.end(), row.layer);
    return it == layers_.end() ? -1 : static_cast<int>(it - layers_.begin());
}

int LayerMapModel::pointIndexOf(const SweepRow& row) {
    const auto it = std::find(points_.begin(), points_.end(), SweepPointKey{row.method, row.budget});
    return it == points_.end() ? -1 : static_cast<int>(it - points_.begin());
}

void LayerMapModel::place(const SweepRow& row) {
    const std::size_t oldLayers = layers_.size(), oldPoints = points_.size();
    int layer = layerIndexOf(row), point = pointIndexOf(row);
    if (layer < 0) {
        layers_.push_back(row.layer);
        facts_.push_back({});
        layer = static_cast<int>(oldLayers);
    }
    if (point < 0) {
        points_.push_back({row.method, row.budget});
        point = static_cast<int>(oldPoints);
    }
    // The cells are layer × point: a new layer or point lays them out again.
    if (layers_.size() != oldLayers || points_.size() != oldPoints) {
        std::vector<int> cells(layers_.size() * points_.size(), -1);
        for (std::size_t l = 0; l < oldLayers; ++l)
            for (std::size_t p = 0; p < oldPoints; ++p) cells[l * points_.size() + p] = cells_[l * oldPoints + p];
        cells_ = std::move(cells);
    }
    facts_[static_cast<size_t>(layer)] = row.facts;
    cells_[static_cast<size_t>(layer) * points_.size() + static_cast<size_t>(point)] = static_cast<int>(&row - rows_.data());
}

void LayerMapModel::rebuild() {
    emit layoutAboutToBeChanged();
    low_ = high_ = 0.0;
    for (const SweepRow& row : rows_) {
        if (!row.error || !(*row.error > 0)) continue;
        low_ = low_ > 0 ? std::min(low_, *row.error) : *row.error;
        high_ = std::max(high_, *row.error);
    }
    // The summary's outliers looked up once here, not once per cell drawn.
    outliers_.assign(cells_.size(), 0);
    if (summary_)
        for (const SweepOutlier& o : summary_->outliers) {
            const auto layer = std::find(layers_.begin(), layers_.end(), o.layer);
            const int point = columnOf(o.method, o.budget);
            if (layer != layers_.end() && point >= 0)
                outliers_[static_cast<size_t>(layer - layers_.begin()) * points_.size() + static_cast<size_t>(point)] = 1;
        }
    displayOrder_.resize(layers_.size());
    std::iota(displayOrder_.begin(), displayOrder_.end(), 0);
    if (order_ == Order::Error && !points_.empty()) {
        auto error = [&](int layer) -> std::optional<double> {
            const SweepRow* row = cell(layer, selected_);
            return row ? row->error : std::nullopt;
        };
        std::stable_sort(displayOrder_.begin(), displayOrder_.end(), [&](int a, int b) { return before(error(a), error(b)); });
    }
    emit layoutChanged();
    emit mapChanged();
}

const SweepRow* LayerMapModel::cell(int layer, int point) const {
    if (layer < 0 || point < 0 || layer >= static_cast<int>(layers_.size()) || point >= static_cast<int>(points_.size()))
        return nullptr;
    const int k = cells_[static_cast<size_t>(layer) * points_.size() + static_cast<size_t>(point)];
    return k < 0 ? nullptr : &rows_[static_cast<size_t>(k)];
}

int LayerMapModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(layers_.size()); }

int LayerMapModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(points_.size());
}

const SweepRow* LayerMapModel::rowAt(int row, int column) const {
    if (row < 0 || row >= static_cast<int>(displayOrder_.size())) return nullptr;
    return cell(displayOrder_[static_cast<size_t>(row)], column);
}

std::optional<double> LayerMapModel::errorAt(int row, int column) const {
    const SweepRow* r = rowAt(row, column);
    return r ? r->error : std::nullopt;
}

QString LayerMapModel::layerName(int row) const {
    if (row < 0 || row >= static_cast<int>(displayOrder_.size())) return {};
    return QString::fromStdString(layers_[static_cast<size_t>(displayOrder_[static_cast<size_t>(row)])]);
}

QString LayerMapModel::pointLabel(int column) const {
    if (column < 0 || column >= columnCount()) return {};
    return methodLabel(point(column).method) + " " + QString::fromStdString(point(column).budget);
}

int LayerMapModel::columnOf(const std::string& method, const std::string& budget) const {
    const auto it = std::find(points_.begin(), points_.end(), SweepPointKey{method, budget});
    return it == points_.end() ? -1 : static_cast<int>(it - points_.begin());
}

std::optional<double> LayerMapModel::median(int column) const {
    if (!summary_ || column < 0 || column >= columnCount()) return std::nullopt;
    for (const SweepPointSummary& p : summary_->points)
        if (p.method == point(column).method && p.budget == point(column).budget && p.layers > p.failed) return p.median_error;
    return std::nullopt;
}

bool LayerMapModel::isOutlier(int row, int column) const {
    if (row < 0 || row >= static_cast<int>(displayOrder_.size()) || column < 0 || column >= columnCount()) return false;
    const std::size_t k = static_cast<std::size_t>(displayOrder_[static_cast<size_t>(row)]) * points_.size() + static_cast<size_t>(column);
    return k < outliers_.size() && outliers_[k];
}

QColor LayerMapModel::colourAt(int row, int column) const {
    const std::optional<double> E = errorAt(row, column);
    if (!E) return {};
    return QColor(infernoColour(colourPosition(*E, low_, high_, true)));
}

QString LayerMapModel::hoverText(int row, int column) const {
    if (row < 0 || row >= rowCount() || column < 0 || column >= columnCount()) return {};
    const SweepLayerFacts& f = facts_[static_cast<size_t>(displayOrder_[static_cast<size_t>(row)])];
    QStringList lines;
    lines << layerName(row);
    if (f.d_out > 0)
        lines << QString("%1 × %2 (d_out × d_in), %3 tokens, outlier strength %4 (max/median a_j)")
                     .arg(f.d_out)
                     .arg(f.d_in)
                     .arg(f.tokens)
                     .arg(f.outlier_strength, 0, 'f', 1);
    const QString method = methodLabel(point(column).method), budget = QString::fromStdString(point(column).budget);
    const SweepRow* r = rowAt(row, column);
    if (!r) {
        lines << QString("%1 at %2: not computed yet").arg(method, budget);
        return lines.join("\n");
    }
    if (!r->error) {
        lines << QString("%1 at %2: failed: %3").arg(method, budget, QString::fromStdString(r->failure));
        return lines.join("\n");
    }
    QString error = QString("%1 at %2: E = %3").arg(method, budget, number(*r->error));
    if (const auto m = median(column); m && *m > 0)
        error += QString(", %1× %2's median %3").arg(*r->error / *m, 0, 'f', 2).arg(method, number(*m));
    if (isOutlier(row, column)) error += QString(" (an outlier: above %1× the median)").arg(outlierFactor());
    lines << error;
    lines << QString("sparsity %1%, %2 bits per weight, %3 s")
                 .arg(r->sparsity * 100, 0, 'f', 1)
                 .arg(r->bits_per_weight, 0, 'g', 4)
                 .arg(r->seconds, 0, 'g', 3);
    return lines.join("\n");
}

void LayerMapModel::setOrder(Order order) {
    if (order == order_) return;
    order_ = order;
    rebuild();
}

void LayerMapModel::setSelectedColumn(int column) {
    if (column < 0 || column >= columnCount() || column == selected_) return;
    selected_ = column;
    emit selectedColumnChanged(column);
    rebuild();
}

QVariant LayerMapModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const SweepRow* r = rowAt(index.row(), index.column());
    switch (role) {
    case Qt::DisplayRole:
        if (!r) return QString();
        return r->error ? number(*r->error) : QString("failed");
    case Qt::ToolTipRole: return hoverText(index.row(), index.column());
    case Qt::BackgroundRole: return r && r->error ? QVariant(colourAt(index.row(), index.column())) : QVariant();
    case ErrorRole: return r && r->error ? QVariant(*r->error) : QVariant();
    default: return {};
    }
}

QVariant LayerMapModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    if (orientation == Qt::Vertical) return layerName(section);
    if (section < 0 || section >= columnCount()) return {};
    if (role == Qt::ToolTipRole) return pointLabel(section);
    return methodLabel(point(section).method) + "\n" + QString::fromStdString(point(section).budget);
}

QString LayerMapModel::toCsv() const {
    const char* header[] = {"layer_index", "layer",  "d_out",    "d_in",   "tokens",     "outlier_strength", "method",
                            "budget",      "relative_output_error", "ratio_to_median", "sparsity", "bits_per_weight",
                            "seconds",     "failure"};
    QStringList lines{QStringList(std::begin(header), std::end(header)).join(",")};
    std::vector<const SweepRow*> byWork;
    for (const SweepRow& row : rows_) byWork.push_back(&row);
    std::stable_sort(byWork.begin(), byWork.end(), [](const SweepRow* a, const SweepRow* b) { return a->work < b->work; });
    auto text = [](const std::string& s) { return QString::fromStdString(csv_field(s)); };
    auto exact = [](double v) { return QString::fromStdString(exact_number(v)); };
    for (const SweepRow* r : byWork) {
        const int column = columnOf(r->method, r->budget);
        const auto m = median(column);
        QStringList f{QString::number(r->layer_index), text(r->layer),         QString::number(r->facts.d_out),
                      QString::number(r->facts.d_in),  QString::number(r->facts.tokens), exact(r->facts.outlier_strength),
                      text(r->method),                 text(r->budget)};
        if (r->error) {
            f << exact(*r->error) << (m && *m > 0 ? exact(*r->error / *m) : QString()) << exact(r->sparsity)
              << exact(r->bits_per_weight) << exact(r->seconds) << QString();
        } else {
            f << QString() << QString() << QString() << QString() << QString() << text(r->failure);
        }
        lines << f.join(",");
    }
    return lines.join("\n") + "\n";
}

}  // namespace layerlens::ui

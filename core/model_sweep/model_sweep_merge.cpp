#include "model_sweep_merge.h"

#include <map>

#include "../errors.h"

namespace layerlens {

namespace {

struct LoadedShard {
    std::string path;
    Shard shard;
    std::size_t expected_rows = 0;
    std::vector<SweepRow> rows;
};

// "file:line", for a file read whole: its k-th row is on line k + 1.
std::string place(const std::string& path, std::size_t k) { return path + ":" + std::to_string(k + 1); }

// What every row of one file must share with the first: a row that does not is of another file.
void check_like_first(const SweepRow& row, const SweepRow& first, const std::string& where) {
    const Shard shard = row.shard ? row.shard->shard : Shard{};
    const Shard first_shard = first.shard ? first.shard->shard : Shard{};
    if (row.shard.has_value() != first.shard.has_value() || !(shard == first_shard) || row.sweep != first.sweep)
        throw InputError(where + ": a row of another shard or sweep than the file's first");
    if (row.work_count != first.work_count)
        throw InputError(where + ": 'work_count' " + std::to_string(row.work_count) + ", but the file's first row says " +
                         std::to_string(first.work_count));
    if (row.input_sha256 != first.input_sha256)
        throw InputError(where + ": 'input_sha256' " + row.input_sha256.substr(0, 12) + "..., but the file's first row says " +
                         first.input_sha256.substr(0, 12) + "...");
    if (row.shard && row.shard->rows != first.shard->rows)
        throw InputError(where + ": 'shard.rows' " + std::to_string(row.shard->rows) + ", but the file's first row says " +
                         std::to_string(first.shard->rows));
}

// A file's shard, the same on every row; an untagged file is the whole sweep (shard 0/1).
LoadedShard load_shard(const std::string& path) {
    LoadedShard loaded;
    loaded.path = path;
    SweepFile file = read_sweep_file(path, false);
    if (file.rows.empty()) throw InputError(path + ": holds no rows (an empty shard file is never written)");
    const SweepRow& first = file.rows.front();
    loaded.shard = first.shard ? first.shard->shard : Shard{};
    loaded.expected_rows = first.shard ? first.shard->rows : first.work_count;
    for (std::size_t k = 0; k < file.rows.size(); ++k) check_like_first(file.rows[k], first, place(path, k));
    loaded.rows = std::move(file.rows);
    return loaded;
}

// "shard 1/3 is missing", "shards 1/9, 2/9, 3/9, 4/9, 5/9 and 3 more are missing": a count
// read from a file can be anything up to 2^31 - 1, so the list stops after a handful, and the
// loop with it (the missing ones are among the first given + handful indices).
void check_none_missing(const std::map<int, const LoadedShard*>& by_index, const LoadedShard& first) {
    const std::size_t missing = static_cast<std::size_t>(first.shard.count) - by_index.size();
    if (missing == 0) return;
    constexpr std::size_t kListed = 5;
    std::string list;
    std::size_t listed = 0;
    for (int index = 0; index < first.shard.count && listed < kListed; ++index)
        if (!by_index.count(index)) list += (listed++ ? ", " : "") + Shard{index, first.shard.count}.text();
    if (missing > listed) list += " and " + std::to_string(missing - listed) + " more";
    throw InputError((missing == 1 ? "shard " : "shards ") + list + (missing == 1 ? " is" : " are") + " missing (" +
                     std::to_string(by_index.size()) + " of " + std::to_string(first.shard.count) +
                     " given; the count is " + first.path + "'s)");
}

// A row of the merged sweep and where it was read.
struct PlacedRow {
    const SweepRow* row = nullptr;
    std::string where;   // "file:line"
};

std::string point_of(const SweepRow& row) { return row.method + " " + row.budget; }

// How many points (methods × budgets) the sweep has per layer. No row stores it, but a row's
// work index and layer index tell it: work w is of layer w / points. It divides work_count, and
// of its divisors at most one agrees with every row (for two, p < q, work p would be of layer
// 1 and of layer 0). So the divisor that agrees with the most rows is the sweep's, and a row
// that disagrees with it is the one to name. The rows are in memory: O(divisors · rows).
std::size_t points_per_layer(const std::vector<PlacedRow>& rows) {
    const std::size_t n = rows.size();
    std::size_t best = n, best_disagreeing = n + 1;
    for (std::size_t points = 1; points <= n; ++points) {
        if (n % points != 0) continue;
        std::size_t disagreeing = 0;
        for (std::size_t w = 0; w < n && disagreeing < best_disagreeing; ++w)
            disagreeing += rows[w].row->layer_index != w / points;
        if (disagreeing < best_disagreeing) best = points, best_disagreeing = disagreeing;
    }
    return best;
}

// Without the plan, the rows of one sweep must agree with each other: every row of one layer
// index names the same layer of the same shape, every row of one point index the same method
// and budget, and no layer is named at two layer indices. What this cannot see: a forged name in
// a sweep of one point per layer (each layer has a single row to compare), a swap of two rows of
// one layer in a sweep of one layer, the figures themselves (E, sparsity: only the method gives
// them), and `params` (it holds what the layer's shape made of the budget, e.g. RTN's
// group_size_used, so it differs between the layers of one point). Resuming, the plan checks
// all of a row's names (model_sweep_runner.cpp).
void check_rows_agree(const std::vector<PlacedRow>& rows) {
    const std::size_t points = points_per_layer(rows);
    std::map<std::string, std::size_t> first_work_of_layer;   // layer name → work of its first row
    for (std::size_t w = 0; w < rows.size(); ++w) {
        const SweepRow& row = *rows[w].row;
        const std::size_t layer = w / points;
        if (row.layer_index != layer)
            throw InputError(rows[w].where + ": 'layer_index' " + std::to_string(row.layer_index) + ", but work " +
                             std::to_string(w) + " is of layer " + std::to_string(layer) + " (" + std::to_string(points) +
                             " points per layer, as the other rows say)");
        const PlacedRow& layer_first = rows[layer * points];
        const PlacedRow& point_first = rows[w % points];
        const auto both = [&](const PlacedRow& other) {
            return other.where + " (work " + std::to_string(other.row->work) + ") and " + rows[w].where + " (work " +
                   std::to_string(w) + ")";
        };
        if (row.layer != layer_first.row->layer)
            throw InputError(both(layer_first) + " are of layer index " + std::to_string(layer) + ", but one names layer '" +
                             layer_first.row->layer + "' and the other '" + row.layer + "'");
        if (row.facts.d_out != layer_first.row->facts.d_out || row.facts.d_in != layer_first.row->facts.d_in)
            throw InputError(both(layer_first) + " are of layer '" + row.layer + "', but one says 'd_out' x 'd_in' " +
                             std::to_string(layer_first.row->facts.d_out) + " x " +
                             std::to_string(layer_first.row->facts.d_in) + " and the other " +
                             std::to_string(row.facts.d_out) + " x " + std::to_string(row.facts.d_in));
        if (point_of(row) != point_of(*point_first.row))
            throw InputError(both(point_first) + " are point " + std::to_string(w % points) + " of their layers (" +
                             std::to_string(points) + " points per layer), but one is '" + point_of(*point_first.row) +
                             "' and the other '" + point_of(row) + "'");
        const auto [named, fresh] = first_work_of_layer.emplace(row.layer, w);
        if (!fresh && named->second / points != layer)
            throw InputError(both(rows[named->second]) + " name the same layer '" + row.layer + "' at layer indices " +
                             std::to_string(named->second / points) + " and " + std::to_string(layer));
    }
}

}  // namespace

std::vector<SweepRow> merge_shards(const std::vector<std::string>& shard_paths) {
    if (shard_paths.empty()) throw ParameterError("merge-shards needs the shard files to merge");
    std::vector<LoadedShard> shards;
    for (const std::string& path : shard_paths) shards.push_back(load_shard(path));
    const LoadedShard& first = shards.front();
    const SweepRow& reference = first.rows.front();
    std::map<int, const LoadedShard*> by_index;
    for (const LoadedShard& s : shards) {
        const SweepRow& row = s.rows.front();
        if (row.input_sha256 != reference.input_sha256)
            throw InputError(s.path + ": computed from another input file (sha256 " + row.input_sha256.substr(0, 12) +
                             "...) than " + first.path + " (" + reference.input_sha256.substr(0, 12) + "...)");
        if (row.sweep != reference.sweep || row.work_count != reference.work_count)
            throw InputError(s.path + ": a sweep with other arguments (methods, budgets or layers) than " + first.path);
        if (s.shard.count != first.shard.count)
            throw InputError(s.path + ": shard " + s.shard.text() + " is one of " + std::to_string(s.shard.count) +
                             " shards, but " + first.path + " is shard " + first.shard.text());
        if (const auto it = by_index.find(s.shard.index); it != by_index.end())
            throw InputError("shard " + s.shard.text() + " is given twice: " + it->second->path + " and " + s.path);
        if (s.rows.size() != s.expected_rows)
            throw InputError(s.path + ": shard " + s.shard.text() + " has " + std::to_string(s.rows.size()) + " of its " +
                             std::to_string(s.expected_rows) + " rows (an unfinished shard)");
        by_index[s.shard.index] = &s;
    }
    check_none_missing(by_index, first);
    // Every work item exactly once. The count a row claims is checked against the rows there are
    // before anything of that size is allocated.
    std::size_t given = 0;
    for (const LoadedShard& s : shards) given += s.rows.size();
    if (given != reference.work_count)
        throw InputError("the shards hold " + std::to_string(given) + " rows, but their sweep has " +
                         std::to_string(reference.work_count) + " (" + first.path + ": work_count)");
    std::vector<PlacedRow> merged(reference.work_count);
    for (const LoadedShard& s : shards)
        for (std::size_t k = 0; k < s.rows.size(); ++k) {
            const SweepRow& row = s.rows[k];
            if (merged[row.work].row)
                throw InputError("work item " + std::to_string(row.work) + " (" + row.layer + ", " + row.method + " " +
                                 row.budget + ") is in both " + merged[row.work].where + " and " + place(s.path, k));
            merged[row.work] = {&row, place(s.path, k)};
        }
    for (std::size_t k = 0; k < merged.size(); ++k)
        if (!merged[k].row)
            throw InputError("work item " + std::to_string(k) + " is in none of the shards (the shards were cut "
                             "differently: are they from one version of layerlens-cli?)");
    check_rows_agree(merged);
    std::vector<SweepRow> rows;
    rows.reserve(merged.size());
    for (const PlacedRow& placed : merged) rows.push_back(without_shard(*placed.row));
    return rows;
}

}  // namespace layerlens

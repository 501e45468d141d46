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

// A file's shard, the same on every row; an untagged file is the whole sweep (shard 0/1).
LoadedShard load_shard(const std::string& path) {
    LoadedShard loaded;
    loaded.path = path;
    SweepFile file = read_sweep_file(path, false);
    if (file.rows.empty()) throw InputError(path + ": holds no rows (an empty shard file is never written)");
    const SweepRow& first = file.rows.front();
    loaded.shard = first.shard ? first.shard->shard : Shard{};
    loaded.expected_rows = first.shard ? first.shard->rows : first.work_count;
    for (std::size_t k = 0; k < file.rows.size(); ++k) {
        const SweepRow& row = file.rows[k];
        const Shard shard = row.shard ? row.shard->shard : Shard{};
        if (!(shard == loaded.shard) || row.sweep != first.sweep)
            throw InputError(path + ":" + std::to_string(k + 1) + ": a row of another shard or sweep than the file's first");
    }
    loaded.rows = std::move(file.rows);
    return loaded;
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
    std::string missing;
    for (int index = 0; index < first.shard.count; ++index)
        if (!by_index.count(index)) missing += (missing.empty() ? "" : ", ") + Shard{index, first.shard.count}.text();
    if (!missing.empty())
        throw InputError("shard" + std::string(missing.find(',') == std::string::npos ? " " : "s ") + missing +
                         (missing.find(',') == std::string::npos ? " is" : " are") + " missing (" +
                         std::to_string(shards.size()) + " of " + std::to_string(first.shard.count) + " given)");
    // Every work item exactly once. The count a row claims is checked against the rows there are
    // before anything of that size is allocated.
    std::size_t given = 0;
    for (const LoadedShard& s : shards) given += s.rows.size();
    if (given != reference.work_count)
        throw InputError("the shards hold " + std::to_string(given) + " rows, but their sweep has " +
                         std::to_string(reference.work_count) + " (" + first.path + ": work_count)");
    std::vector<const SweepRow*> merged(reference.work_count, nullptr);
    std::vector<const std::string*> owner(reference.work_count, nullptr);
    for (const LoadedShard& s : shards)
        for (const SweepRow& row : s.rows) {
            if (merged[row.work])
                throw InputError("work item " + std::to_string(row.work) + " (" + row.layer + ", " + row.method + " " +
                                 row.budget + ") is in both " + *owner[row.work] + " and " + s.path);
            merged[row.work] = &row;
            owner[row.work] = &s.path;
        }
    for (std::size_t k = 0; k < merged.size(); ++k)
        if (!merged[k])
            throw InputError("work item " + std::to_string(k) + " is in none of the shards (the shards were cut "
                             "differently: are they from one version of layerlens-cli?)");
    std::vector<SweepRow> rows;
    rows.reserve(merged.size());
    for (const SweepRow* row : merged) rows.push_back(without_shard(*row));
    return rows;
}

}  // namespace layerlens

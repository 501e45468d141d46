#pragma once
// merge-shards: the shard files of one sweep put back together. The shards must be of one
// sweep (the same input file checksum and arguments), of one shard count, each complete, and
// cover every work item exactly once; the merged rows are in work order without their shard
// tags, so the result equals what a single process writes (apart from the measured times).
#include <string>
#include <vector>

#include "model_sweep_rows.h"

namespace layerlens {

// InputError naming the file (and the shard) that is missing, duplicated, unfinished or from
// another sweep, and naming both rows when two rows of the sweep disagree (two rows of one
// layer index naming two layers, two of one point index two methods or budgets); ParameterError
// when no file is given.
std::vector<SweepRow> merge_shards(const std::vector<std::string>& shard_paths);

}  // namespace layerlens

#pragma once
// The rows of a model sweep: one JSON object per line (JSONL), per layer × method × budget. A
// row holds the fields of `run --json` (layer, method, params, relative_output_error, sparsity,
// bits_per_weight, seconds, the method's scalars and series, timings, warnings) and:
//   budget            "50%", "INT4 g128" (model_eval_plan.h's label)
//   d_out, d_in, tokens, outlier_strength   the layer's shape and its inputs' outlier strength
//   layer_index       the layer's place among the sweep's layers (file order)
//   work, work_count  the row's number in the whole sweep (layer-major) and the sweep's size
//   sweep             the sweep id (model_sweep_plan.h), input and input_sha256 (the file)
//   failure           instead of the error fields, when the layer could not be compressed
//   shard             {"index", "count", "rows"}: only in the files of a sharded run;
//                     merge-shards removes it, so a merged file equals a single-process one.
// Everything but `seconds` and `timings` is a function of the sweep's input and arguments.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "../method.h"
#include "model_sweep_plan.h"

namespace layerlens {

struct SweepLayerFacts {
    Eigen::Index d_out = 0, d_in = 0;
    long long tokens = 0;
    double outlier_strength = 0.0;
};

struct SweepShardTag {
    Shard shard;
    std::size_t rows = 0;   // how many rows the shard has in all: a file with fewer is unfinished
};

struct SweepRow {
    std::size_t work = 0, work_count = 0, layer_index = 0;
    std::string sweep, input, input_sha256, layer, method, budget;   // input: the layer file's name
    SweepLayerFacts facts;
    std::optional<double> error;   // relative_output_error; empty for a failed row
    std::string failure;
    double sparsity = 0.0, bits_per_weight = 0.0, seconds = 0.0;
    std::optional<SweepShardTag> shard;
    std::string line;              // the row as it is stored, without the newline
};

// The line of a finished work item, or of one whose layer could not be compressed.
std::string sweep_row_line(const ModelSweepPlan& plan, std::size_t layer, std::size_t point, const SweepLayerFacts& facts,
                           const MethodResult& result, const std::optional<SweepShardTag>& shard);
std::string sweep_failure_line(const ModelSweepPlan& plan, std::size_t layer, std::size_t point,
                               const SweepLayerFacts& facts, const std::string& message,
                               const std::optional<SweepShardTag>& shard);

// One stored line back; InputError naming `file`, the line number and the field when it is not
// a row: a field missing, of another type (a string sparsity), not a whole number where one is
// stored ("work": 0.5), or out of range (a shard index beyond int, more shards than work items).
SweepRow parse_sweep_row(const std::string& line, const std::string& file, std::size_t line_number);
// The same row without its shard tag (merge-shards' output).
SweepRow without_shard(const SweepRow& row);

// Every row of a JSONL file. A last line without its newline is a row cut off by a kill: it is
// dropped when `allow_torn_tail` (resuming), an error otherwise. InputError for a missing file,
// a line that is not a row, or a line longer than any row can be.
struct SweepFile {
    std::vector<SweepRow> rows;
    std::size_t complete_bytes = 0;   // the length of the whole lines
};
SweepFile read_sweep_file(const std::string& path, bool allow_torn_tail);

// Writes rows (their lines, in the order given) to `out` atomically; ParameterError when it
// exists and !replace.
void write_sweep_file(const std::string& out, const std::vector<SweepRow>& rows, bool replace);

}  // namespace layerlens

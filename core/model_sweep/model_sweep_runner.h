#pragma once
// Runs one shard of a model sweep (or all of it): the work items side by side, one thread
// each and every product of an item on its thread, so a row does not depend on the thread
// count and equals run_method's on one thread; a layer's statistics are taken once and kept
// while any of its points runs, so memory is bounded by one layer per thread, not the file. Rows are
// appended to OUT.partial as each finishes (flushed to disk), and OUT.partial is renamed to OUT
// when the shard is complete; so a killed run keeps what it finished, and started again with
// the same arguments it keeps those rows byte for byte and computes only the rest.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model_sweep_rows.h"

namespace layerlens {

class Progress;

struct ModelSweepOutput {
    std::string path;             // OUT
    bool replace = false;         // --force: discard an earlier OUT or OUT.partial of another sweep
};

struct ModelSweepRun {
    std::vector<SweepRow> rows;   // the shard's rows in work order, resumed and new
    std::size_t resumed = 0;      // rows found finished (in OUT.partial, or all of an existing OUT)
    std::size_t computed = 0;
};

// The partial file beside OUT.
std::string partial_path(const std::string& out);

// `shard` empty: the whole sweep, rows without a shard tag; ParameterError for more shards than
// layers. InputError for a layer file that
// changed or an output that cannot be written; ParameterError when OUT or OUT.partial holds
// another sweep or shard (without `replace`), or another process is writing it; Cancelled
// passes through (the rows so far stay in OUT.partial). A layer that cannot be compressed (bad
// data) gets rows with a `failure` and the sweep goes on. `row_written` is called with each row.
ModelSweepRun run_model_sweep(const ModelSweepPlan& plan, const std::optional<Shard>& shard,
                              const ModelSweepOutput& output, Progress& progress,
                              const std::function<void(const SweepRow&)>& row_written = {});

}  // namespace layerlens

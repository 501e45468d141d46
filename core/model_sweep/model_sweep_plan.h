#pragma once
// What a model sweep computes: every chosen method at every chosen budget on every selected
// layer of one file, as numbered work items (layer-major, in file order), and how that work is
// cut into N shards balanced by each layer's estimated cost. Declared once here so that
// sweep-model, merge-shards, the Slurm and Kubernetes jobs and the GUI agree on it.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "../io/layer_format.h"
#include "../model/model_eval_plan.h"

namespace layerlens {

struct ModelSweepRequest {
    std::string path;                          // a layer file with inputs (HDF5, safetensors, ...)
    std::vector<std::string> layer_patterns;   // shell globs on layer names; empty = every layer
    std::vector<ModelEvalPoint> points;        // methods × budgets (model_eval_plan.h)
    ReadLimits limits;
};

struct ModelSweepPlan {
    std::string path;
    std::string input_sha256;                  // of the whole file, as `sha256sum` prints it
    std::string sweep_id;                      // digest of the checksum, the layers and the points
    std::vector<LayerInfo> layers;             // selected usable layers, file order
    std::vector<std::string> skipped;          // "name: reason" for the selected layers left out
    std::vector<ModelEvalPoint> points;
    ReadLimits limits;

    std::size_t work_count() const { return layers.size() * points.size(); }
    std::size_t work_index(std::size_t layer, std::size_t point) const { return layer * points.size() + point; }
};

// Lists, filters and checksums the file and checks every point against every layer's shape
// before any work. InputError for an unreadable file or no usable layer; ParameterError for a
// pattern that matches nothing, no points, or a parameter a layer cannot take.
ModelSweepPlan plan_model_sweep(const ModelSweepRequest& request);

// The canonical description the sweep id is the digest of: the input checksum, the layer names
// and each point's method, budget and every setting the method reads.
std::string sweep_description(const ModelSweepPlan& plan);

struct Shard {
    int index = 0;   // counts from 0, as Slurm's array task ids and Kubernetes' completion indices
    int count = 1;
    std::string text() const;   // "1/3"
    bool operator==(const Shard&) const = default;
};

// "1/3" → {1, 3}; ParameterError for anything else, 3/3 included (the shards of 3 are 0/3, 1/3, 2/3).
Shard parse_shard(const std::string& text);
// The shard a batch scheduler gives this process: SLURM_ARRAY_TASK_ID (minus
// SLURM_ARRAY_TASK_MIN) of SLURM_ARRAY_TASK_COUNT, or Kubernetes' JOB_COMPLETION_INDEX of
// `count` (which Kubernetes does not export; 0 = not given). nullopt when neither is set.
// `environment` reads a variable (getenv in the CLI, a table in tests).
std::optional<Shard> shard_from_environment(const std::function<const char*(const char*)>& environment, int count);

// Relative work of one layer: its statistics pass and every point's E and solve (a dense
// d_in³ factorisation and a d_out·d_in² product per point), so that a shard of few large layers
// weighs as much as one of many small ones.
double layer_cost(const LayerInfo& layer, std::size_t n_points);
// The layers (indices into plan.layers, in file order) of one shard: longest-first greedy
// assignment to the least-loaded shard, ties to the lower index, so every process computes the
// same partition. A shard may be empty when there are more shards than layers.
std::vector<std::size_t> shard_layers(const ModelSweepPlan& plan, const Shard& shard);

}  // namespace layerlens

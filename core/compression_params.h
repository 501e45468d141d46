#pragma once
// The values every method reads: the shared budget and each method's own settings. What a
// setting is called, its range, default and help are declared beside the method that reads it
// (a ParamSpec, see param_spec.h), and the CLI, the GUI panel, the docs and the validation are
// built from those declarations; this struct is only where the chosen values travel.
#include <optional>
#include <string>

#include "name_table.h"
#include "sparsity_mask.h"

namespace layerlens {

constexpr int kAutoGroupSize = -1;

// AWP's starting point: auto = Wanda for pruning, RTN for quantisation alone.
enum class AwpInit { Auto, Wanda, Magnitude, SparseGPT, RTN };
// How AWQ-keep chooses its salient channels.
enum class KeepBy { Activation, Weight, Random };
// AWP's unstructured budget: k nonzeros in every row (the paper) or k·d_out over the layer;
// auto = layer for the default preset, row for the paper's.
enum class AwpMaskScope { Auto, Row, Layer };

// Which AWP: `best` (the default: the strongest baseline's result as the start, refined by
// steps that never raise the loss, core/methods/awp_refine.h) or `paper` (seed Algorithm 1:
// η = 1/λ_max, Wanda start for pruning, RTN grid for quantisation, per-row budget).
enum class AwpPreset { Best, Paper };
const NameTable<AwpPreset>& awp_preset_names();

const NameTable<AwpInit>& awp_init_names();
const NameTable<KeepBy>& keep_by_names();
const NameTable<AwpMaskScope>& awp_mask_scope_names();

struct CompressionParams {
    // Shared budget (core/budget_params.cpp). Optional fields are "not given": a method uses
    // its default, and AWP decides from which of bits/sparsity are given what to do.
    std::optional<int> bits;
    int group_size = kAutoGroupSize;     // auto: 128 where it divides d_in, else one group per row
    std::optional<double> sparsity;
    NMPattern nm;                        // semi-structured alternative to sparsity
    int rank = 0;                        // 0 = from param_ratio
    double param_ratio = 0.5;
    int iters = 100;                     // AWP iterations
    // Second-order methods, GPTQ and SparseGPT (core/methods/hessian_inverse.cpp)
    double damp = 0.01;
    int block_size = 128;
    bool act_order = false;              // GPTQ (core/methods/gptq.cpp)
    // AWQ and the pipelines that run it (core/methods/awq_search.cpp)
    int awq_grid = 20;
    bool awq_duo_scaling = false;
    bool awq_clip = true;
    int clip_grid = 20;
    double clip_max_shrink = 0.5;
    // AWQ keep experiment (core/methods/awq_keep.cpp)
    KeepBy keep_by = KeepBy::Activation;
    double keep_fraction = 0.01;
    double keep_scale = 0.0;
    unsigned seed = 0;
    // AWP (core/methods/awp.cpp)
    double step_scale = 1.0;
    double tol = 1e-6;
    AwpInit init = AwpInit::Auto;
    AwpMaskScope mask_scope = AwpMaskScope::Auto;
    AwpPreset preset = AwpPreset::Best;
    bool accelerate = false;
};

// "2:4"; "unstructured" when the pattern is inactive.
std::string nm_text(const NMPattern& nm);
// "2:4" → {2, 4}; nullopt unless the text is two integers around one colon.
std::optional<NMPattern> parse_nm(const std::string& text);

}  // namespace layerlens

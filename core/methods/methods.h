#pragma once
// One factory per method file; the registry (method_registry.cpp) lists them in display order.
#include "../method.h"
#include "../quant_grid.h"

namespace layerlens {
struct CalibrationStats;
class Progress;
}  // namespace layerlens

namespace layerlens {

MethodInfo rtn_method();
MethodInfo awq_method();
MethodInfo awq_keep_method();
MethodInfo gptq_method();
MethodInfo magnitude_method();
MethodInfo wanda_method();
MethodInfo sparsegpt_method();
MethodInfo awp_method();
MethodInfo wanda_awq_method();
MethodInfo awq_wanda_method();
MethodInfo svd_method();
MethodInfo asvd_method();

// SparseGPT's result as a typed call, for AWP's SparseGPT start.
MethodResult sparsegpt_prune(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                             Progress& progress);
// SparseGPT with quantisation in the same sweep (the reference sparsegpt.py with --wbits): kept
// weights rounded on GPTQ's grids, fitted per group from the updated, masked weights. `grid`
// receives those grids. AWP's joint start.
MethodResult sparsegpt_prune_quantize(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                                      Progress& progress, QuantGrid& grid);
// GPTQ as a typed call; `grid`, if not null, receives the grids it fitted (in sweep order).
MethodResult gptq_quantize(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                           Progress& progress, QuantGrid* grid);

}  // namespace layerlens

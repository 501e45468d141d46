#pragma once
// One factory per method file; the registry (method_registry.cpp) lists them in display order.
#include "../method.h"

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

}  // namespace layerlens

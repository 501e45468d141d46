// AWQ (Lin et al. 2023) as llm-awq runs it on one linear layer: search the per-channel scale
// exponent α, quantise W·diag(s) with RTN and undo s (in a model the preceding operation
// absorbs diag(s)⁻¹), then search a clipping range per group. The searches live in
// awq_search.cpp so the pipelines can reuse them with a pruning mask.
#include "../calibration_stats.h"
#include "awq_search.h"
#include "methods.h"

namespace layerlens {

namespace {
MethodResult run_awq(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                     Progress& progress) {
    return awq_quantize(layer, stats, params, nullptr, progress);
}
}  // namespace

MethodInfo awq_method() {
    return {"awq", "AWQ",
            "Scale input channels by a^α (α searched on E), round W·diag(s) to the grid, undo s, then search a "
            "clipping range per group.",
            MethodKind::Quantization, awq_params(), nullptr, run_awq};
}

}  // namespace layerlens

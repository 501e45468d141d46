// Round-to-nearest: group-wise asymmetric quantisation with a zero point per group,
// as llm-awq's pseudo_quantize_tensor (the baseline every quantiser is compared with).
#include "../calibration_stats.h"
#include "../progress.h"
#include "method_support.h"
#include "methods.h"

namespace layerlens {

namespace {
MethodResult run_rtn(const Layer& layer, const CalibrationStats&, const CompressionParams& params, Progress& progress) {
    const int bits = bits_or_default(params);
    const Eigen::Index group = resolve_group_size(params.group_size, layer.d_in());
    const QuantGrid grid = fit_quant_grid(layer.W, bits, group, GridRange::MinMax);
    progress.check();   // the grid fit is the whole cost; one check keeps cancel uniform
    MethodResult result;
    add_quantization_params(result.params, layer, params);
    result.W_hat = grid.quantize(layer.W);
    result.bits_per_weight = grid.bits_per_weight();
    return result;
}
}  // namespace

MethodInfo rtn_method() {
    return {"rtn", "RTN", "Round every weight to the nearest level of its group's 2^b-level grid (no calibration).",
            MethodKind::Quantization, quantization_budget(), nullptr, run_rtn};
}

}  // namespace layerlens

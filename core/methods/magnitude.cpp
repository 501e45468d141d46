// Magnitude pruning: drop the smallest |W_ij| over the whole layer (wanda's prune_magnitude),
// or the smallest within every group of M input channels for N:M. Ignores the activations:
// the baseline that shows why activation-aware pruning exists.
#include "../calibration_stats.h"
#include "../progress.h"
#include "method_support.h"
#include "methods.h"

namespace layerlens {

namespace {
MethodResult run_magnitude(const Layer& layer, const CalibrationStats&, const CompressionParams& params, Progress& progress) {
    progress.check();
    return prune_by_score(layer, layer.W.cwiseAbs(), params, UnstructuredScope::LayerThreshold);
}
}  // namespace

MethodInfo magnitude_method() {
    return {"magnitude", "Magnitude", "Prune the weights with the smallest |W_ij| over the whole layer, ignoring activations.",
            MethodKind::Pruning, pruning_budget(), nullptr, run_magnitude};
}

}  // namespace layerlens

// Wanda (Sun et al. 2023; reference locuslab wanda lib/prune.py prune_wanda @8e8fc87): prune
// the weights with the smallest |W_ij|·‖X_j‖₂ within each output row (the paper's comparison
// group), or within every M input channels of a row for N:M. No weight update.
#include "../calibration_stats.h"
#include "../progress.h"
#include "method_support.h"
#include "methods.h"

namespace layerlens {

namespace {
MethodResult run_wanda(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params, Progress& progress) {
    progress.check();
    progress.report(0.0, "Wanda: scoring");
    return wanda_prune(layer, stats, params);
}
}  // namespace

MethodInfo wanda_method() {
    return {"wanda", "Wanda", "Prune the weights with the smallest |W_ij|·‖X_j‖₂ within each output row (no update).",
            MethodKind::Pruning, pruning_budget(), nullptr, run_wanda};
}

}  // namespace layerlens

#pragma once
// AWP's default preset: start from the strongest baseline of the problem's kind, on the very set
// (mask budget, quantisation grid, AWQ's channel scaling) that baseline's result lies in, and
// refine it with awp_refine's descent. The result is never above its start, and the start is the
// best of the candidates:
//   pruning       SparseGPT (its result is feasible for the layer-wide or N:M budget);
//   quantisation  AWQ (in its scaled space W·diag(s), on its clipped grids) and GPTQ (on the
//                 grids it fitted);
//   joint         Wanda → AWQ and AWQ → Wanda (scaled space, AWQ's grids), and SparseGPT
//                 pruning and quantising in one sweep (GPTQ's grids).
// An explicit `init` replaces the candidates by that one start (awp_start.h).
#include "../method.h"

namespace layerlens {

struct CalibrationStats;
class Progress;

MethodResult run_awp_default(const Layer& layer, const CalibrationStats& stats, const CompressionParams& params,
                             Progress& progress);

}  // namespace layerlens

#pragma once
// The one sweep rule (CLI `sweep` and the GUI's Sweep tab): which methods are run at which
// budget values, which are skipped and why, and what is reset at every point.
//   axis sparsity: methods that read the sparsity budget; each point sets the unstructured
//                  sparsity and clears the N:M pattern and the bits (a joint method such as AWP
//                  then prunes only; the pipelines quantise at their default bits).
//   axis bits:     methods that read the bits budget; each point sets the bits and clears the
//                  sparsity and the N:M pattern.
// A method with no budget on the axis (RTN in a sparsity sweep, SVD in either) is skipped with a
// note, never repeated at every point with the same result.
#include <string>
#include <vector>

#include "compression_params.h"
#include "name_table.h"

namespace layerlens {

enum class SweepAxis { Sparsity, Bits };
const NameTable<SweepAxis>& sweep_axis_names();

struct SweepMethod {
    std::string method;
    CompressionParams params;   // the method's own settings and the rest of its budget
};

struct SweepPoint {
    std::string method;
    double value = 0.0;         // the swept budget value
    CompressionParams params;
};

struct SweepSkip {
    std::string method;
    std::string reason;         // "rtn has no sparsity budget"
};

struct SweepPlan {
    SweepAxis axis = SweepAxis::Sparsity;
    std::vector<SweepPoint> points;   // method by method, values in the given order
    std::vector<SweepSkip> skipped;
};

// Throws ParameterError for an unknown method, no values, a bit width that is not an integer,
// or nothing left to run.
SweepPlan plan_sweep(SweepAxis axis, const std::vector<double>& values, const std::vector<SweepMethod>& methods);

// "0.5,0.6,0.7" → values; throws ParameterError naming the bad entry.
std::vector<double> parse_sweep_values(const std::string& text, const std::string& option);

}  // namespace layerlens

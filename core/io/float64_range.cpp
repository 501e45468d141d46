#include "float64_range.h"

#include <cfloat>
#include <cmath>
#include <sstream>

#include "../errors.h"

namespace layerlens {

namespace {
constexpr const char* kRescale = "; rescale the tensor (E does not depend on the scale of W or of X)";
}

void Float64Scan::merge(const Float64Scan& later, std::uint64_t offset) {
    if (later.largest > largest) largest = later.largest;
    if (!first_beyond && later.first_beyond) {
        first_beyond = *later.first_beyond + offset;
        beyond_value = later.beyond_value;
    }
}

Float64Scan scan_float64(const double* values, std::uint64_t count) {
    Float64Scan scan;
    for (std::uint64_t k = 0; k < count; ++k) {
        const double magnitude = std::fabs(values[k]);
        if (!std::isfinite(magnitude)) continue;   // NaN and Inf are the finiteness check's to name
        if (magnitude > scan.largest) scan.largest = magnitude;
        if (magnitude > FLT_MAX && !scan.first_beyond) {
            scan.first_beyond = k;
            scan.beyond_value = values[k];
        }
    }
    return scan;
}

void throw_beyond_float32(const std::string& where, double value, const std::string& position) {
    std::ostringstream msg;
    msg.precision(9);
    msg << where << " has the float64 value " << value << " at " << position
        << ", beyond the range of float32 (±" << FLT_MAX << "), which LayerLens computes in" << kRescale;
    throw InputError(msg.str());
}

void check_not_below_float32(const std::string& where, double largest) {
    if (!(largest > 0.0) || largest >= FLT_MIN) return;
    std::ostringstream msg;
    msg.precision(9);
    msg << where << " is float64 with magnitudes of at most " << largest
        << ", below float32's smallest normal number (" << FLT_MIN
        << "): rounded to float32, which LayerLens computes in, it would keep few or none of its digits" << kRescale;
    throw InputError(msg.str());
}

}  // namespace layerlens

#pragma once
// LayerLens computes in float32, so a float64 tensor is rounded to float32 as it is read. Inside
// float32's range that rounding is float32's own (2⁻²⁴ of each value, documented in the README).
// Outside it the rounding is not faithful: a value beyond ±FLT_MAX becomes Inf, and a tensor
// whose every magnitude lies below FLT_MIN becomes subnormal numbers with few digits, or zeros
// (the layer then looked "all zero" or "not finite", which it is not). Both are refused here, in
// one place for every format, naming the tensor, the value and the range. Smaller values next to
// normal ones round to subnormals or 0 with an error below 2⁻²⁴ of the tensor's largest value,
// which is float32's rounding of that value: those are accepted.
#include <cstdint>
#include <optional>
#include <string>

namespace layerlens {

struct Float64Scan {
    double largest = 0.0;                        // largest finite magnitude
    std::optional<std::uint64_t> first_beyond;   // index of the first finite value beyond ±FLT_MAX
    double beyond_value = 0.0;                   // that value
    void merge(const Float64Scan& later, std::uint64_t offset);   // `later` starts at index offset
};

Float64Scan scan_float64(const double* values, std::uint64_t count);

// InputError for a finite float64 `value` beyond float32's range at `position` ("row 2, column 5").
[[noreturn]] void throw_beyond_float32(const std::string& where, double value, const std::string& position);
// InputError when the float64 tensor's largest magnitude is non-zero but below FLT_MIN.
void check_not_below_float32(const std::string& where, double largest);

}  // namespace layerlens

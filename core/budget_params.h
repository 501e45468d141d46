#pragma once
// The shared budget every method draws from (bits and group; sparsity or N:M; rank or parameter
// ratio; iterations): declared once here, listed by each method that uses them.
#include "param_spec.h"

namespace layerlens {

constexpr int kDefaultBits = 4;
constexpr double kDefaultSparsity = 0.5;

inline int bits_or_default(const CompressionParams& p) { return p.bits.value_or(kDefaultBits); }
inline double sparsity_or_default(const CompressionParams& p) { return p.sparsity.value_or(kDefaultSparsity); }

const ParamSpec& bits_param();
const ParamSpec& group_param();
const ParamSpec& sparsity_param();
const ParamSpec& nm_param();
const ParamSpec& rank_param();
const ParamSpec& param_ratio_param();
const ParamSpec& iters_param();

}  // namespace layerlens

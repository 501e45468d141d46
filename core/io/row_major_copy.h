#pragma once
// Files store matrices row-major ([d_out, d_in] weights, [tokens, d] inputs); Eigen's are
// column-major. Eigen's plain transposed assignment walks one of the two with a stride of a
// whole row and misses the cache on every element (157 ms for 4096 x 4096); in 32 x 32 tiles
// both stay in cache (27 ms).
#include "../layer.h"

namespace layerlens {

// out = the rows x cols row-major matrix at data (out is resized).
void copy_row_major(const float* data, Eigen::Index rows, Eigen::Index cols, MatrixF& out);

}  // namespace layerlens

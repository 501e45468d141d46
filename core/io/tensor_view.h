#pragma once
// A typed, shaped tensor lying at a byte offset of a mapped file: what safetensors, .npy and
// llama2.c checkpoints all reduce to. One reader turns it into a weight, a bias or a stream of
// input rows, so the three formats share one decoder, one bounds check and one finiteness check.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../input_source.h"
#include "../layer.h"
#include "layer_format.h"
#include "mapped_file.h"

namespace layerlens {

enum class ElementType { Float16, BFloat16, Float32, Float64 };

std::size_t element_size(ElementType type);
std::string element_type_name(ElementType type);   // "float16", "bfloat16", "float32", "float64"

struct TensorView {
    MappedFilePtr file;
    std::string name;                  // as the file names it ("model.layers.0.mlp.down_proj.weight")
    ElementType type = ElementType::Float32;
    bool big_endian = false;
    bool fortran_order = false;        // first index varies fastest (.npy only)
    std::vector<std::uint64_t> shape;
    std::uint64_t offset = 0;          // absolute file offset of element 0

    // "model.safetensors: tensor 'x.weight'": the prefix of every message about it.
    std::string where() const;
    std::string shape_text() const;    // "[4096, 64]"
    std::uint64_t element_count() const;  // valid once check_extent() passed
    // InputError unless the shape's byte size (checked multiplication) fits inside the file
    // from `offset`. Formats call it when they build the view, before anything is read.
    void check_extent() const;
};

// The view as a [d_out, d_in] float32 weight: InputError when it is not 2-D or empty, when its
// float32 copy would exceed the limit (checked before allocating), or when a value is NaN, Inf
// or outside float32's range (naming its row and column).
MatrixF read_weight(const TensorView& view, const ReadLimits& limits);
// A 1-D vector of `length` finite values (a bias, a norm's weight).
VectorF read_vector(const TensorView& view, Eigen::Index length);
// A 2-D [n_tokens, d_in] or 3-D [batch, seq, d_in] view streamed in row chunks.
std::unique_ptr<InputSource> tensor_input_source(const TensorView& view);

// InputError naming the first non-finite entry of W ("weight of NAME has a non-finite value ...").
void check_finite_weight(const MatrixF& W, const std::string& where);

}  // namespace layerlens

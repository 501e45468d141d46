#include "tensor_view.h"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <utility>

#include "../errors.h"
#include "../progress.h"
#include "checked_math.h"
#include "float64_range.h"
#include "row_major_copy.h"

namespace layerlens {

static_assert(std::endian::native == std::endian::little, "the decoders below assume a little-endian host");

std::size_t element_size(ElementType type) {
    switch (type) {
    case ElementType::Float16:
    case ElementType::BFloat16: return 2;
    case ElementType::Float32: return 4;
    case ElementType::Float64: return 8;
    }
    return 0;
}

std::string element_type_name(ElementType type) {
    switch (type) {
    case ElementType::Float16: return "float16";
    case ElementType::BFloat16: return "bfloat16";
    case ElementType::Float32: return "float32";
    case ElementType::Float64: return "float64";
    }
    return "?";
}

namespace {

// IEEE binary16 to double, exactly (subnormals included).
double half_value(std::uint16_t h) {
    const int sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    double magnitude;
    if (exponent == 0) magnitude = std::ldexp(static_cast<double>(mantissa), -24);
    else if (exponent == 31) magnitude = mantissa ? std::numeric_limits<double>::quiet_NaN() : INFINITY;
    else magnitude = std::ldexp(static_cast<double>(mantissa | 0x400), exponent - 25);
    return sign ? -magnitude : magnitude;
}

// The element at p, widened exactly to double.
double element_value(const unsigned char* p, ElementType type, bool big_endian) {
    switch (type) {
    case ElementType::Float16: {
        std::uint16_t bits;
        std::memcpy(&bits, p, 2);
        return half_value(big_endian ? __builtin_bswap16(bits) : bits);
    }
    case ElementType::BFloat16: {
        std::uint16_t half;
        std::memcpy(&half, p, 2);
        const std::uint32_t bits = static_cast<std::uint32_t>(big_endian ? __builtin_bswap16(half) : half) << 16;
        return std::bit_cast<float>(bits);
    }
    case ElementType::Float32: {
        std::uint32_t bits;
        std::memcpy(&bits, p, 4);
        return std::bit_cast<float>(big_endian ? __builtin_bswap32(bits) : bits);
    }
    case ElementType::Float64: {
        std::uint64_t bits;
        std::memcpy(&bits, p, 8);
        return std::bit_cast<double>(big_endian ? __builtin_bswap64(bits) : bits);
    }
    }
    return 0.0;
}

// float64 beyond float32's range would be undefined behaviour to cast; it becomes Inf (or NaN)
// here and is then reported with its raw value by the finiteness check.
float to_float(double value) {
    if (std::fabs(value) <= FLT_MAX) return static_cast<float>(value);
    return std::isnan(value) ? std::numeric_limits<float>::quiet_NaN() : std::copysign(INFINITY, static_cast<float>(value));
}

void decode_run(const unsigned char* p, std::uint64_t count, const TensorView& view, float* out) {
    const std::size_t size = element_size(view.type);
    if (view.type == ElementType::Float32 && !view.big_endian) {
        std::memcpy(out, p, count * size);
        return;
    }
    for (std::uint64_t k = 0; k < count; ++k) out[k] = to_float(element_value(p + k * size, view.type, view.big_endian));
}

std::string value_text(double value) {
    std::ostringstream text;
    text.precision(9);
    text << value;
    return text.str();
}

// Element `index` (from element 0) of a 2-D [rows, cols] or 3-D [batch, seq, cols] view as
// (row, column), a 3-D view's row being its token b·seq + s.
std::pair<std::uint64_t, std::uint64_t> row_and_column(const TensorView& view, std::uint64_t index) {
    const std::uint64_t cols = view.shape.back();
    if (!view.fortran_order) return {index / cols, index % cols};
    const std::uint64_t rows = view.element_count() / cols;   // index = position + column·rows
    const std::uint64_t column = index / rows, position = index % rows;
    if (view.shape.size() != 3) return {position, column};
    const std::uint64_t batch = view.shape[0], seq = view.shape[1];   // position = b + s·batch
    return {(position % batch) * seq + position / batch, column};
}

// A float64 view's values checked against float32's range before they are rounded to it
// (float64_range.h), naming the first beyond it as `row_word` i, `column_word` j.
void check_float64_range(const TensorView& view, const unsigned char* base, const char* row_word, const char* column_word) {
    if (view.type != ElementType::Float64) return;
    constexpr std::uint64_t kBlock = 4096;
    std::vector<double> block(kBlock);
    Float64Scan scan;
    const std::uint64_t count = view.element_count();
    for (std::uint64_t first = 0; first < count; first += kBlock) {
        const std::uint64_t n = std::min(kBlock, count - first);
        for (std::uint64_t k = 0; k < n; ++k) block[k] = element_value(base + (first + k) * 8, view.type, view.big_endian);
        scan.merge(scan_float64(block.data(), n), first);
    }
    if (scan.first_beyond) {
        const auto [row, column] = row_and_column(view, *scan.first_beyond);
        throw_beyond_float32(view.where(), scan.beyond_value, std::string(row_word) + " " + std::to_string(row) + ", " + column_word + " " + std::to_string(column));
    }
    check_not_below_float32(view.where(), scan.largest);
}

class TensorInputSource : public InputSource {
public:
    explicit TensorInputSource(TensorView view) : view_(std::move(view)) {
        width_ = static_cast<Eigen::Index>(view_.shape.back());
        tokens_ = static_cast<Eigen::Index>(view_.element_count() / view_.shape.back());
    }
    Eigen::Index n_tokens() const override { return tokens_; }
    Eigen::Index width() const override { return width_; }
    std::string description() const override { return view_.where(); }
    void for_each_chunk(Eigen::Index max_rows, const std::function<void(const MatrixF&, Eigen::Index)>& visit,
                        Progress& progress) const override {
        const std::size_t size = element_size(view_.type);
        const unsigned char* base = view_.file->span(view_.offset, view_.element_count() * size, "inputs " + view_.name);
        check_float64_range(view_, base, "token", "channel");
        Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows_buffer;
        MatrixF chunk;
        for (Eigen::Index first = 0; first < tokens_; first += max_rows) {
            progress.check();
            const Eigen::Index rows = std::min(max_rows, tokens_ - first);
            rows_buffer.resize(rows, width_);
            if (!view_.fortran_order) {
                // Token t's channels are contiguous at t·d for [n, d] and for [batch, seq, d].
                decode_run(base + static_cast<std::uint64_t>(first * width_) * size,
                           static_cast<std::uint64_t>(rows * width_), view_, rows_buffer.data());
            } else {
                gather_fortran(base, first, rows, rows_buffer);
            }
            view_.file->check_unchanged();   // rows read from zero pages are not the file's
            copy_row_major(rows_buffer.data(), rows, width_, chunk);
            visit(chunk, first);
        }
    }

private:
    // Fortran order: element (b, s, j) sits at b + s·B + j·B·S, so a token's channels are far
    // apart; gathered one value at a time (only .npy files written with order='F' get here).
    void gather_fortran(const unsigned char* base, Eigen::Index first, Eigen::Index rows,
                        Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& out) const {
        const std::size_t size = element_size(view_.type);
        const bool three_d = view_.shape.size() == 3;
        const std::uint64_t batch = view_.shape[0], seq = three_d ? view_.shape[1] : 1;
        const std::uint64_t tokens = static_cast<std::uint64_t>(tokens_);
        for (Eigen::Index t = 0; t < rows; ++t) {
            const std::uint64_t token = static_cast<std::uint64_t>(first + t);
            const std::uint64_t position = three_d ? token / seq + (token % seq) * batch : token;
            for (Eigen::Index j = 0; j < width_; ++j)
                out(t, j) = to_float(element_value(base + (position + static_cast<std::uint64_t>(j) * tokens) * size,
                                                   view_.type, view_.big_endian));
        }
    }

    TensorView view_;
    Eigen::Index width_ = 0, tokens_ = 0;
};

}  // namespace

std::string TensorView::where() const { return (file ? file->path() : std::string("?")) + ": tensor '" + name + "'"; }

std::string TensorView::shape_text() const {
    std::string text = "[";
    for (std::size_t k = 0; k < shape.size(); ++k) text += (k ? ", " : "") + std::to_string(shape[k]);
    return text + "]";
}

std::uint64_t TensorView::element_count() const { return checked_element_count(shape).value_or(0); }

void TensorView::check_extent() const {
    const auto count = checked_element_count(shape);
    const auto bytes = count ? checked_mul(*count, element_size(type)) : std::nullopt;
    if (!bytes) throw InputError(where() + " declares shape " + shape_text() + ", whose size overflows 64 bits");
    file->span(offset, *bytes, "tensor '" + name + "' of shape " + shape_text() + " and dtype " + element_type_name(type));
}

void check_finite_weight(const MatrixF& W, const std::string& where) {
    if (W.allFinite()) return;
    for (Eigen::Index i = 0; i < W.rows(); ++i)
        for (Eigen::Index j = 0; j < W.cols(); ++j)
            if (!std::isfinite(W(i, j)))
                throw InputError(where + " has a non-finite value (NaN or Inf) at row " + std::to_string(i) +
                                 ", column " + std::to_string(j));
}

MatrixF read_weight(const TensorView& view, const ReadLimits& limits) {
    if (view.shape.size() != 2)
        throw InputError(view.where() + " is " + std::to_string(view.shape.size()) + "-D " + view.shape_text() +
                         "; a layer weight must be 2-D [d_out, d_in]");
    if (view.shape[0] == 0 || view.shape[1] == 0) throw InputError(view.where() + " has zero size " + view.shape_text());
    view.check_extent();
    const std::uint64_t d_out = view.shape[0], d_in = view.shape[1];
    const auto float_bytes = checked_mul(view.element_count(), sizeof(float));
    if (!float_bytes || *float_bytes > limits.max_weight_bytes ||
        d_out > static_cast<std::uint64_t>(std::numeric_limits<Eigen::Index>::max()))
        throw InputError(view.where() + " is " + std::to_string(d_out) + " x " + std::to_string(d_in) + " (" +
                         value_text(static_cast<double>(d_out) * static_cast<double>(d_in) * 4 / (1 << 20)) +
                         " MiB as float32), over the memory budget of " +
                         std::to_string(limits.max_weight_bytes >> 20) + " MiB");
    const std::size_t size = element_size(view.type);
    const unsigned char* base = view.file->span(view.offset, view.element_count() * size, "tensor '" + view.name + "'");
    check_float64_range(view, base, "row", "column");
    MatrixF W(static_cast<Eigen::Index>(d_out), static_cast<Eigen::Index>(d_in));
    if (view.fortran_order) {
        // Column j is contiguous: the column-major matrix takes it as it lies.
        for (std::uint64_t j = 0; j < d_in; ++j) decode_run(base + j * d_out * size, d_out, view, W.col(static_cast<Eigen::Index>(j)).data());
    } else {
        std::vector<float> row(d_in);
        for (std::uint64_t i = 0; i < d_out; ++i) {
            decode_run(base + i * d_in * size, d_in, view, row.data());
            W.row(static_cast<Eigen::Index>(i)) = Eigen::Map<const Eigen::RowVectorXf>(row.data(), static_cast<Eigen::Index>(d_in));
        }
    }
    view.file->check_unchanged();
    check_finite_weight(W, view.where());   // only NaN and Inf are left: the range is checked above
    return W;
}

VectorF read_vector(const TensorView& view, Eigen::Index length) {
    if (view.shape.size() != 1 || view.shape[0] != static_cast<std::uint64_t>(length))
        throw InputError(view.where() + " has shape " + view.shape_text() + "; expected [" + std::to_string(length) + "]");
    view.check_extent();
    const std::size_t size = element_size(view.type);
    const unsigned char* base = view.file->span(view.offset, view.element_count() * size, "tensor '" + view.name + "'");
    VectorF bias(length);
    decode_run(base, static_cast<std::uint64_t>(length), view, bias.data());
    view.file->check_unchanged();
    for (Eigen::Index i = 0; i < length; ++i)
        if (!std::isfinite(bias(i)))
            throw InputError(view.where() + " has a non-finite value (NaN, Inf or beyond float32's range) at index " + std::to_string(i));
    return bias;
}

std::unique_ptr<InputSource> tensor_input_source(const TensorView& view) {
    if (view.shape.size() != 2 && view.shape.size() != 3)
        throw InputError(view.where() + " is " + std::to_string(view.shape.size()) + "-D " + view.shape_text() +
                         "; inputs must be [n_tokens, d_in] or [batch, seq, d_in]");
    view.check_extent();
    for (std::uint64_t dim : view.shape)
        if (dim > static_cast<std::uint64_t>(std::numeric_limits<Eigen::Index>::max() / 2))
            throw InputError(view.where() + " declares shape " + view.shape_text() + ", too large to index");
    if (view.shape.back() == 0) throw InputError(view.where() + " has zero width " + view.shape_text());
    return std::make_unique<TensorInputSource>(view);
}

}  // namespace layerlens

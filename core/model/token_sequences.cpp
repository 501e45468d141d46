#include "token_sequences.h"

#include <optional>

#include "../errors.h"
#include "../io/mapped_file.h"
#include "../io/npy_header.h"
#include "../io/npy_writer.h"
#include "llama2c_tokenizer.h"

namespace layerlens {

namespace {

struct IntegerDtype {
    std::size_t size = 0;
    bool is_signed = true;
    bool big_endian = false;
    std::string name() const { return (is_signed ? "int" : "uint") + std::to_string(8 * size); }
};

// '<i8', '>u2', '|u1' ...: every integer dtype numpy writes. '|' ("not applicable") and '='
// (native) both mean the writer's order, little-endian on every machine numpy runs on today.
std::optional<IntegerDtype> integer_dtype(const std::string& descr) {
    if (descr.size() != 3 || std::string("<>|=").find(descr[0]) == std::string::npos) return std::nullopt;
    if (descr[1] != 'i' && descr[1] != 'u') return std::nullopt;
    if (std::string("1248").find(descr[2]) == std::string::npos) return std::nullopt;
    return IntegerDtype{static_cast<std::size_t>(descr[2] - '0'), descr[1] == 'i', descr[0] == '>'};
}

// The element at p, sign-extended to 64 bits for a signed dtype.
std::uint64_t element_bits(const unsigned char* p, const IntegerDtype& dtype) {
    std::uint64_t bits = 0;
    for (std::size_t k = 0; k < dtype.size; ++k) bits = (bits << 8) | p[dtype.big_endian ? k : dtype.size - 1 - k];
    const unsigned width = 8 * static_cast<unsigned>(dtype.size);
    if (dtype.is_signed && width < 64 && (bits >> (width - 1)) & 1) bits |= ~std::uint64_t{0} << width;
    return bits;
}

bool in_vocabulary(std::uint64_t bits, const IntegerDtype& dtype, int vocab_size) {
    if (dtype.is_signed && static_cast<std::int64_t>(bits) < 0) return false;
    return bits < static_cast<std::uint64_t>(vocab_size);
}

std::string value_text(std::uint64_t bits, const IntegerDtype& dtype) {
    return dtype.is_signed ? std::to_string(static_cast<std::int64_t>(bits)) : std::to_string(bits);
}

std::string id_problem(const std::string& what, std::size_t sequence, std::size_t position, const std::string& id, int vocab_size) {
    return what + ": sequence " + std::to_string(sequence) + ", position " + std::to_string(position) + ": token id " + id +
           " is outside the vocabulary [0, " + std::to_string(vocab_size) + ")";
}

// "" when a sequence of `length` tokens may be used, else why not.
std::string length_problem(std::uint64_t length, int max_length) {
    if (length < 2)
        return std::to_string(length) + (length == 1 ? " token" : " tokens") +
               "; a sequence needs at least 2 (a token to predict from and one to predict)";
    if (length > static_cast<std::uint64_t>(max_length))
        return std::to_string(length) + " tokens, more than the model's context of " + std::to_string(max_length);
    return "";
}

void check_limits(int vocab_size, int max_length) {
    if (vocab_size <= 0) throw ParameterError("a vocabulary of " + std::to_string(vocab_size) + " tokens");
    if (max_length < 2) throw ParameterError("a maximum sequence length of " + std::to_string(max_length) + " tokens");
}

// The whole text at once, as llama2.c encodes it: the merges take O(n log n) (they took a scan of
// every pair per merge, so long texts were encoded in word-aligned pieces of 256 bytes).
std::vector<int> encode_text(const Llama2cTokenizer& tokenizer, const std::string& text) {
    return tokenizer.encode(text, false, false);
}

}  // namespace

TokenSequences read_token_file(const std::string& path, int vocab_size, int max_length) {
    check_limits(vocab_size, max_length);
    const MappedFile file(path);
    const NpyHeader header = read_npy_header(file);
    const auto dtype = header.descr_is_string ? integer_dtype(header.descr) : std::nullopt;
    if (!dtype)
        throw InputError(path + ": the token array has dtype " + (header.descr_is_string ? "'" + header.descr + "'" : header.descr) +
                         "; token ids must be integers (int8 to int64 or uint8 to uint64)");
    const std::string shape = npy_shape_text(header.shape);
    if (header.shape.size() != 2)
        throw InputError(path + ": the token array is " + std::to_string(header.shape.size()) + "-D " + shape +
                         "; a token file is 2-D [n_sequences, seq_len]");
    check_npy_data_size(file, header, dtype->size, dtype->name());
    const std::uint64_t n = header.shape[0], length = header.shape[1];
    if (n == 0) throw InputError(path + ": the token array " + shape + " holds no sequences");
    if (const std::string problem = length_problem(length, max_length); !problem.empty())
        throw InputError(path + ": the token array " + shape + " has sequences of " + problem);

    // The sizes are now bounded by the file's: the data is exactly n · length elements.
    const unsigned char* data = file.span(header.data_offset, n * length * dtype->size, "token data");
    TokenSequences sequences(n, std::vector<int>(length));
    for (std::uint64_t s = 0; s < n; ++s)
        for (std::uint64_t t = 0; t < length; ++t) {
            const std::uint64_t index = header.fortran_order ? s + t * n : s * length + t;
            const std::uint64_t bits = element_bits(data + index * dtype->size, *dtype);
            if (!in_vocabulary(bits, *dtype, vocab_size)) throw InputError(id_problem(path, s, t, value_text(bits, *dtype), vocab_size));
            sequences[s][t] = static_cast<int>(bits);
        }
    return sequences;
}

void write_token_file(const TokenSequences& sequences, const std::string& path) {
    if (sequences.empty()) throw ParameterError(path + ": no token sequences to write");
    const std::size_t length = sequences.front().size();
    for (std::size_t s = 0; s < sequences.size(); ++s)
        if (sequences[s].size() != length)
            throw ParameterError(path + ": sequence " + std::to_string(s) + " has " + std::to_string(sequences[s].size()) +
                                 " tokens, sequence 0 " + std::to_string(length) + "; a token file holds sequences of one length");
    std::vector<std::int32_t> ids;
    ids.reserve(sequences.size() * length);
    for (const std::vector<int>& sequence : sequences) ids.insert(ids.end(), sequence.begin(), sequence.end());
    write_npy_file(path, "<i4", {sequences.size(), length}, ids.data(), ids.size() * sizeof(std::int32_t));
}

TokenSequences text_token_sequences(const Llama2cTokenizer& tokenizer, const std::string& text_path, int length) {
    if (length < 2) throw ParameterError("sequences of " + std::to_string(length) + " tokens; a sequence needs at least 2");
    const MappedFile file(text_path);
    const std::string text = file.size() == 0 ? std::string()
                                              : std::string(reinterpret_cast<const char*>(file.span(0, file.size(), "text")), file.size());
    // The stream after its leading BOS; each sequence is BOS and the next length - 1 of it.
    const std::vector<int> stream = encode_text(tokenizer, text);
    const std::size_t body = static_cast<std::size_t>(length) - 1;
    if (stream.size() < body)
        throw InputError(text_path + ": the text encodes to " + std::to_string(stream.size()) + " tokens after BOS; one sequence of " +
                         std::to_string(length) + " tokens needs " + std::to_string(body) +
                         " (the text is shorter than one sequence: give a longer text or a shorter sequence length)");
    TokenSequences sequences;
    for (std::size_t start = 0; start + body <= stream.size(); start += body) {
        std::vector<int> sequence = {Llama2cTokenizer::kBos};
        sequence.insert(sequence.end(), stream.begin() + static_cast<std::ptrdiff_t>(start),
                        stream.begin() + static_cast<std::ptrdiff_t>(start + body));
        sequences.push_back(std::move(sequence));
    }
    return sequences;
}

void check_token_sequences(const TokenSequences& sequences, int vocab_size, int max_length, const std::string& what) {
    check_limits(vocab_size, max_length);
    if (sequences.empty()) throw InputError(what + ": no sequences");
    for (std::size_t s = 0; s < sequences.size(); ++s) {
        if (const std::string problem = length_problem(sequences[s].size(), max_length); !problem.empty())
            throw InputError(what + ": sequence " + std::to_string(s) + " has " + problem);
        for (std::size_t t = 0; t < sequences[s].size(); ++t) {
            const int id = sequences[s][t];
            if (id < 0 || id >= vocab_size) throw InputError(id_problem(what, s, t, std::to_string(id), vocab_size));
        }
    }
}

}  // namespace layerlens

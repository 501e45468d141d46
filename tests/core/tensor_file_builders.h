#pragma once
// Byte-exact writers for the checkpoint formats, so that tests can build valid files and then
// break exactly one thing in them (a length, an offset, a dtype).
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace layerlens::test {

inline void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string le64(std::uint64_t v) {
    std::string s(8, '\0');
    for (int k = 0; k < 8; ++k) s[static_cast<size_t>(k)] = static_cast<char>((v >> (8 * k)) & 0xff);
    return s;
}

inline std::string floats_bytes(const std::vector<float>& values) {
    std::string s(values.size() * 4, '\0');
    std::memcpy(s.data(), values.data(), s.size());
    return s;
}

// A safetensors file from a header text and a data buffer, written as given.
inline std::string safetensors_bytes(const std::string& header, const std::string& data) {
    return le64(header.size()) + header + data;
}

// One F32 tensor entry for a header: "name": {...}.
inline std::string f32_entry(const std::string& name, const std::string& shape, std::uint64_t begin, std::uint64_t end,
                             const std::string& dtype = "F32") {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + std::to_string(begin) +
           "," + std::to_string(end) + "]}";
}

// A .npy file: magic, version, header length (2 bytes for 1.0, 4 for 2.0/3.0), padded header, data.
inline std::string npy_bytes(const std::string& dict, const std::string& data, int major = 1) {
    const std::size_t preamble = major == 1 ? 10 : 12;
    std::string header = dict;
    while ((preamble + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string s("\x93NUMPY", 6);
    s += static_cast<char>(major);
    s += '\0';
    const std::size_t n = header.size();
    s += static_cast<char>(n & 0xff);
    s += static_cast<char>((n >> 8) & 0xff);
    if (major != 1) {
        s += static_cast<char>((n >> 16) & 0xff);
        s += static_cast<char>((n >> 24) & 0xff);
    }
    return s + header + data;
}

// A llama2.c version-0 checkpoint with every float set to its index * scale (so each tensor's
// position in the file can be checked from its values).
struct TinyLlama {
    std::int32_t dim = 8, hidden = 12, layers = 2, heads = 2, kv_heads = 1, vocab = 16, seq = 4;
};

inline std::uint64_t tiny_llama_floats(const TinyLlama& c) {
    const std::uint64_t kv = static_cast<std::uint64_t>(c.dim / c.heads * c.kv_heads), L = static_cast<std::uint64_t>(c.layers);
    const std::uint64_t dim = static_cast<std::uint64_t>(c.dim), hid = static_cast<std::uint64_t>(c.hidden);
    const std::uint64_t vocab = static_cast<std::uint64_t>(c.vocab < 0 ? -c.vocab : c.vocab);
    const std::uint64_t half_head = static_cast<std::uint64_t>(c.dim / c.heads / 2), seq = static_cast<std::uint64_t>(c.seq);
    std::uint64_t n = vocab * dim + L * (dim + dim * dim + 2 * kv * dim + dim * dim + dim + 3 * hid * dim) + dim + 2 * seq * half_head;
    if (c.vocab < 0) n += vocab * dim;
    return n;
}

inline std::string tiny_llama_bytes(const TinyLlama& c) {
    std::string s(28, '\0');
    const std::int32_t fields[7] = {c.dim, c.hidden, c.layers, c.heads, c.kv_heads, c.vocab, c.seq};
    std::memcpy(s.data(), fields, 28);
    std::vector<float> values(tiny_llama_floats(c));
    for (std::size_t k = 0; k < values.size(); ++k) values[k] = static_cast<float>(k) * 0.001f;
    return s + floats_bytes(values);
}

}  // namespace layerlens::test

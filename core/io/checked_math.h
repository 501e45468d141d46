#pragma once
// Sizes computed from a file's header are the attacker's numbers: every product and sum of them
// is checked, so a huge declared shape becomes a message, never a wrapped-around small size.
#include <cstdint>
#include <optional>
#include <vector>

namespace layerlens {

inline std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
    std::uint64_t product = 0;
    if (__builtin_mul_overflow(a, b, &product)) return std::nullopt;
    return product;
}

inline std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) {
    std::uint64_t sum = 0;
    if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
    return sum;
}

// The number of elements of a shape, or nullopt when it overflows 64 bits.
inline std::optional<std::uint64_t> checked_element_count(const std::vector<std::uint64_t>& shape) {
    std::uint64_t count = 1;
    for (std::uint64_t dim : shape) {
        const auto next = checked_mul(count, dim);
        if (!next) return std::nullopt;
        count = *next;
    }
    return count;
}

}  // namespace layerlens

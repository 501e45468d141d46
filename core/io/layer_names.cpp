#include "layer_names.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdio>

namespace layerlens {

std::string layer_name_of_tensor(const std::string& tensor) {
    static const std::string suffix = ".weight";
    if (tensor.size() > suffix.size() && tensor.compare(tensor.size() - suffix.size(), suffix.size(), suffix) == 0)
        return tensor.substr(0, tensor.size() - suffix.size());
    return tensor;
}

bool natural_less(const std::string& a, const std::string& b) {
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const bool digit_a = std::isdigit(static_cast<unsigned char>(a[i])), digit_b = std::isdigit(static_cast<unsigned char>(b[j]));
        if (digit_a && digit_b) {
            std::size_t end_a = i, end_b = j;
            while (end_a < a.size() && std::isdigit(static_cast<unsigned char>(a[end_a]))) ++end_a;
            while (end_b < b.size() && std::isdigit(static_cast<unsigned char>(b[end_b]))) ++end_b;
            // Compare by value without converting (runs may exceed 64 bits): skip leading zeros,
            // then the longer run is larger, then digit by digit.
            std::size_t start_a = i, start_b = j;
            while (start_a + 1 < end_a && a[start_a] == '0') ++start_a;
            while (start_b + 1 < end_b && b[start_b] == '0') ++start_b;
            const std::size_t length_a = end_a - start_a, length_b = end_b - start_b;
            if (length_a != length_b) return length_a < length_b;
            const int order = a.compare(start_a, length_a, b, start_b, length_b);
            if (order != 0) return order < 0;
            i = end_a;
            j = end_b;
        } else {
            if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
            ++i;
            ++j;
        }
    }
    return a.size() - i < b.size() - j;
}

std::string layer_block(const std::string& name) {
    std::size_t start = 0;
    while (start < name.size()) {
        std::size_t end = name.find_first_of("./", start);
        if (end == std::string::npos) end = name.size();
        bool numeric = end > start;
        for (std::size_t k = start; k < end && numeric; ++k) numeric = std::isdigit(static_cast<unsigned char>(name[k]));
        // A numeric last component names the layer itself, not a block holding it.
        if (numeric && end < name.size()) return name.substr(0, end);
        start = end + 1;
    }
    return "";
}

namespace {
bool is_control(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
}
}  // namespace

std::string printable_name(const std::string& name) {
    std::string out;
    for (const char c : name) {
        if (is_control(c)) {
            const auto byte = static_cast<unsigned char>(c);
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out;
}

std::string layer_name_problem(const std::string& name) {
    if (name.empty()) return "has an empty name, which cannot name a layer";
    if (name == "." || name == "..") return "is named '" + name + "', which cannot name a layer (it is a path component)";
    if (std::any_of(name.begin(), name.end(), is_control)) return "has a control character in its name, which cannot name a layer";
    return "";
}

}  // namespace layerlens

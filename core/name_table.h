#pragma once
// One name table per enumeration (STYLE.md "Declared once"): the CLI's accepted words, the GUI's
// combo box entries, the JSON values and the messages all come from the same array.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace layerlens {

template <class E>
struct NameTable {
    std::vector<std::pair<E, std::string>> entries;

    const std::string& name(E value) const {
        for (const auto& [v, n] : entries)
            if (v == value) return n;
        return entries.front().second;   // unreachable for a complete table
    }
    std::optional<E> parse(const std::string& text) const {
        for (const auto& [v, n] : entries)
            if (n == text) return v;
        return std::nullopt;
    }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& entry : entries) out.push_back(entry.second);
        return out;
    }
    // "a, b or c", for messages.
    std::string listed() const {
        std::string out;
        for (size_t k = 0; k < entries.size(); ++k)
            out += (k == 0 ? "" : k + 1 == entries.size() ? " or " : ", ") + entries[k].second;
        return out;
    }
};

}  // namespace layerlens

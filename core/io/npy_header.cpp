#include "npy_header.h"

#include <cctype>
#include <map>
#include <string_view>

#include "../errors.h"
#include "checked_math.h"

namespace layerlens {

namespace {

const std::string kMagic("\x93NUMPY", 6);

// The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }.
// Values here are strings, booleans, integer tuples, or anything else (kept as its text so that
// a structured descr can be named and refused).
struct Literal {
    enum Kind { String, Bool, Tuple, Other } kind = Other;
    std::string text;
    bool flag = false;
    std::vector<std::uint64_t> integers;
    bool integers_valid = true;
};

class LiteralParser {
public:
    LiteralParser(std::string path, std::string_view text) : path_(std::move(path)), text_(text) {}

    std::map<std::string, Literal> dict() {
        expect('{');
        std::map<std::string, Literal> entries;
        while (true) {
            skip_space();
            if (peek() == '}') { ++at_; break; }
            const Literal key = value(0);
            if (key.kind != Literal::String) fail("a dictionary key is not a string");
            expect(':');
            if (entries.count(key.text)) fail("the key '" + key.text + "' appears twice");
            entries[key.text] = value(0);
            skip_space();
            if (peek() == ',') { ++at_; continue; }
            expect('}');
            break;
        }
        skip_space();
        if (at_ != text_.size()) fail("text after the closing brace");
        return entries;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw InputError(path_ + ": the .npy header is not a valid dictionary literal (" + why + " at byte " +
                         std::to_string(at_) + ")");
    }
    char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
    void skip_space() {
        while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
    }
    void expect(char c) {
        skip_space();
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++at_;
    }
    Literal value(int depth) {
        if (depth > 8) fail("nesting too deep");
        skip_space();
        const char c = peek();
        Literal v;
        if (c == '\'' || c == '"') {
            v.kind = Literal::String;
            ++at_;
            while (peek() != c) {
                if (at_ >= text_.size()) fail("unterminated string");
                if (text_[at_] == '\\') ++at_;
                if (at_ < text_.size()) v.text += text_[at_++];
            }
            ++at_;
        } else if (c == '(' || c == '[') {
            const char close = c == '(' ? ')' : ']';
            v.kind = c == '(' ? Literal::Tuple : Literal::Other;
            const std::size_t start = at_++;
            while (true) {
                skip_space();
                if (peek() == close) { ++at_; break; }
                const Literal item = value(depth + 1);
                if (item.kind == Literal::Other && !item.integers.empty() && item.integers_valid && item.text.empty())
                    v.integers.push_back(item.integers.front());
                else v.integers_valid = false;
                skip_space();
                if (peek() == ',') { ++at_; continue; }
                if (peek() != close) fail(std::string("expected ',' or '") + close + "'");
            }
            v.text = std::string(text_.substr(start, at_ - start));
            if (v.kind != Literal::Tuple) v.integers_valid = false;
        } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
            const std::size_t start = at_;
            if (c == '-') ++at_;
            while (std::isdigit(static_cast<unsigned char>(peek()))) ++at_;
            if (peek() == 'L') ++at_;   // Python 2 wrote long integers with a suffix
            const std::string digits(text_.substr(start, at_ - start));
            std::uint64_t n = 0;
            bool ok = c != '-';
            for (char d : digits) {
                if (d == 'L') break;
                const auto next = ok ? checked_mul(n, 10) : std::nullopt;
                const auto sum = next ? checked_add(*next, static_cast<std::uint64_t>(d - '0')) : std::nullopt;
                if (!sum) ok = false;
                else n = *sum;
            }
            if (!ok) fail("the integer " + digits + " is negative or too large");
            v.integers.push_back(n);   // an integer: kind Other, one value, no text
        } else {
            const std::size_t start = at_;
            while (std::isalpha(static_cast<unsigned char>(peek()))) ++at_;
            const std::string word(text_.substr(start, at_ - start));
            if (word == "True" || word == "False") {
                v.kind = Literal::Bool;
                v.flag = word == "True";
            } else if (word == "None") {
                v.text = word;
            } else {
                fail("unexpected character");
            }
        }
        return v;
    }

    std::string path_;
    std::string_view text_;
    std::size_t at_ = 0;
};

}  // namespace

bool has_npy_magic(const std::string& head) { return head.compare(0, kMagic.size(), kMagic) == 0; }

std::string npy_shape_text(const std::vector<std::uint64_t>& shape) {
    std::string text = "[";
    for (std::size_t k = 0; k < shape.size(); ++k) text += (k ? ", " : "") + std::to_string(shape[k]);
    return text + "]";
}

NpyHeader read_npy_header(const MappedFile& file) {
    const std::string& path = file.path();
    if (file.size() < 10) throw InputError(path + ": " + std::to_string(file.size()) + " bytes, too short for a .npy header");
    const unsigned char* start = file.span(0, 10, ".npy preamble");
    if (!has_npy_magic(std::string(reinterpret_cast<const char*>(start), 6)))
        throw InputError(path + ": not a .npy file (no \\x93NUMPY magic)");
    const int major = start[6], minor = start[7];
    std::uint64_t header_length = 0, header_start = 0;
    if (major == 1) {
        header_length = static_cast<std::uint64_t>(start[8]) | static_cast<std::uint64_t>(start[9]) << 8;
        header_start = 10;
    } else if (major == 2 || major == 3) {
        const unsigned char* length = file.span(8, 4, ".npy header length");
        for (int k = 3; k >= 0; --k) header_length = (header_length << 8) | length[k];
        header_start = 12;
    } else {
        throw InputError(path + ": .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                         "; LayerLens reads versions 1.0, 2.0 and 3.0");
    }
    if (header_length > kNpyMaxHeaderBytes)
        throw InputError(path + ": declares a " + std::to_string(header_length) + "-byte .npy header, over the limit of " +
                         std::to_string(kNpyMaxHeaderBytes) + " bytes");
    const char* text = reinterpret_cast<const char*>(file.span(header_start, header_length, ".npy header"));
    std::map<std::string, Literal> dict = LiteralParser(path, std::string_view(text, header_length)).dict();
    for (const char* key : {"descr", "fortran_order", "shape"})
        if (!dict.count(key)) throw InputError(path + ": the .npy header has no '" + key + "' key");
    if (dict.size() != 3) throw InputError(path + ": the .npy header has keys other than descr, fortran_order and shape");
    const Literal& order = dict["fortran_order"];
    if (order.kind != Literal::Bool) throw InputError(path + ": the .npy header's fortran_order is not True or False");
    const Literal& shape = dict["shape"];
    if (shape.kind != Literal::Tuple || !shape.integers_valid)
        throw InputError(path + ": the .npy header's shape " + shape.text + " is not a tuple of non-negative integers");

    NpyHeader header;
    header.descr_is_string = dict["descr"].kind == Literal::String;
    header.descr = dict["descr"].text;
    header.fortran_order = order.flag;
    header.shape = shape.integers;
    header.data_offset = header_start + header_length;
    return header;
}

void check_npy_data_size(const MappedFile& file, const NpyHeader& header, std::size_t element_size,
                         const std::string& dtype_name) {
    const std::string shape = npy_shape_text(header.shape);
    const auto count = checked_element_count(header.shape);
    const auto bytes = count ? checked_mul(*count, element_size) : std::nullopt;
    if (!bytes) throw InputError(file.path() + ": the .npy array's shape " + shape + " overflows 64 bits");
    const std::uint64_t available = file.size() - header.data_offset;   // the header lies inside the file
    if (*bytes != available)
        throw InputError(file.path() + ": the .npy array of shape " + shape + " and dtype " + dtype_name + " needs " +
                         std::to_string(*bytes) + " bytes of data; the file holds " + std::to_string(available) +
                         (*bytes > available ? " (truncated?)" : " (extra bytes after the array)"));
}

}  // namespace layerlens

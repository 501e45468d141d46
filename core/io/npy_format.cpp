#include "npy_format.h"

#include <cctype>
#include <filesystem>
#include <map>
#include <variant>

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

struct NpyDtype {
    ElementType type;
    bool big_endian;
};

NpyDtype parse_descr(const std::string& path, const Literal& descr) {
    if (descr.kind != Literal::String)
        throw InputError(path + ": the .npy array has a structured dtype " + descr.text +
                         "; LayerLens reads plain float16, float32 or float64 arrays");
    const std::string& d = descr.text;
    if (d.find('O') != std::string::npos)
        throw InputError(path + ": the .npy array has object dtype '" + d +
                         "' (pickled Python objects); LayerLens never unpickles: save a float array");
    if (d.size() >= 3 && (d[0] == '<' || d[0] == '>' || d[0] == '=') && d[1] == 'f') {
        const std::string size = d.substr(2);
        const bool big = d[0] == '>';
        if (size == "2") return {ElementType::Float16, big};
        if (size == "4") return {ElementType::Float32, big};
        if (size == "8") return {ElementType::Float64, big};
    }
    static const std::map<char, std::string> kinds = {{'i', "integer"}, {'u', "unsigned integer"}, {'b', "boolean"},
                                                      {'c', "complex"}, {'S', "byte string"},      {'U', "unicode string"},
                                                      {'V', "raw void"},  {'M', "datetime"},        {'m', "timedelta"},
                                                      {'f', "float of an unsupported size"}};
    const std::size_t at = d.find_first_not_of("<>=|");
    const auto kind = at == std::string::npos ? kinds.end() : kinds.find(d[at]);
    throw InputError(path + ": the .npy array has dtype '" + d + "'" + (kind != kinds.end() ? " (" + kind->second + ")" : std::string()) +
                     "; LayerLens reads float16, float32 or float64");
}

std::string stem_of(const std::string& path) { return std::filesystem::path(path).stem().string(); }

}  // namespace

bool NpyFormat::recognizes(const FileHead& head) const { return head.bytes.compare(0, kMagic.size(), kMagic) == 0; }

TensorView read_npy_array(const std::string& path) {
    auto file = std::make_shared<const MappedFile>(path);
    if (file->size() < 10) throw InputError(path + ": " + std::to_string(file->size()) + " bytes, too short for a .npy header");
    const unsigned char* start = file->span(0, 10, ".npy preamble");
    if (std::string(reinterpret_cast<const char*>(start), 6) != kMagic) throw InputError(path + ": not a .npy file (no \\x93NUMPY magic)");
    const int major = start[6], minor = start[7];
    std::uint64_t header_length = 0, header_start = 0;
    if (major == 1) {
        header_length = static_cast<std::uint64_t>(start[8]) | static_cast<std::uint64_t>(start[9]) << 8;
        header_start = 10;
    } else if (major == 2 || major == 3) {
        const unsigned char* length = file->span(8, 4, ".npy header length");
        for (int k = 3; k >= 0; --k) header_length = (header_length << 8) | length[k];
        header_start = 12;
    } else {
        throw InputError(path + ": .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                         "; LayerLens reads versions 1.0, 2.0 and 3.0");
    }
    if (header_length > kNpyMaxHeaderBytes)
        throw InputError(path + ": declares a " + std::to_string(header_length) + "-byte .npy header, over the limit of " +
                         std::to_string(kNpyMaxHeaderBytes) + " bytes");
    const char* text = reinterpret_cast<const char*>(file->span(header_start, header_length, ".npy header"));
    std::map<std::string, Literal> header = LiteralParser(path, std::string_view(text, header_length)).dict();
    for (const char* key : {"descr", "fortran_order", "shape"})
        if (!header.count(key)) throw InputError(path + ": the .npy header has no '" + key + "' key");
    if (header.size() != 3) throw InputError(path + ": the .npy header has keys other than descr, fortran_order and shape");
    const NpyDtype dtype = parse_descr(path, header["descr"]);
    const Literal& order = header["fortran_order"];
    if (order.kind != Literal::Bool) throw InputError(path + ": the .npy header's fortran_order is not True or False");
    const Literal& shape = header["shape"];
    if (shape.kind != Literal::Tuple || !shape.integers_valid)
        throw InputError(path + ": the .npy header's shape " + shape.text + " is not a tuple of non-negative integers");

    TensorView view;
    view.file = file;
    view.name = stem_of(path);
    view.type = dtype.type;
    view.big_endian = dtype.big_endian;
    view.fortran_order = order.flag;
    view.shape = shape.integers;
    view.offset = header_start + header_length;
    const auto count = checked_element_count(view.shape);
    const auto bytes = count ? checked_mul(*count, element_size(view.type)) : std::nullopt;
    if (!bytes) throw InputError(path + ": the .npy array's shape " + view.shape_text() + " overflows 64 bits");
    const std::uint64_t available = file->size() - view.offset;
    if (*bytes != available)
        throw InputError(path + ": the .npy array of shape " + view.shape_text() + " and dtype " + element_type_name(view.type) +
                         " needs " + std::to_string(*bytes) + " bytes of data; the file holds " + std::to_string(available) +
                         (*bytes > available ? " (truncated?)" : " (extra bytes after the array)"));
    view.check_extent();
    return view;
}

namespace {

TensorTable table_of(TensorView view) {
    TensorTable table;
    table.attributes.emplace_back("format", "NumPy .npy");
    table.entries.push_back(TableEntry{std::move(view), "", true});
    return table;
}

}  // namespace

TensorTable NpyFormat::load_table(const std::string& path) const { return table_of(read_npy_array(path)); }

std::vector<LayerInfo> NpyFormat::list_layers(const std::string& path) const {
    TensorView view = read_npy_array(path);
    if (view.shape.size() == 2) return list_table(table_of(std::move(view)));
    LayerInfo info;
    info.name = view.name;
    info.weight_dtype = element_type_name(view.type);
    info.problem = "the array is " + std::to_string(view.shape.size()) + "-D " + view.shape_text() +
                   (view.shape.size() == 3 ? ": activations [batch, seq, d_in], not a weight; give it as the inputs (--inputs) of a layer"
                                           : "; a layer weight must be 2-D [d_out, d_in]");
    return {info};
}

std::unique_ptr<InputSource> NpyFormat::open_inputs(const std::string& path, const std::string&, Eigen::Index expected_width) const {
    const TensorView view = read_npy_array(path);
    auto inputs = tensor_input_source(view);
    if (expected_width > 0 && inputs->width() != expected_width)
        throw InputError(path + ": inputs have width " + std::to_string(inputs->width()) + " (shape " + view.shape_text() +
                         "); the weight has d_in = " + std::to_string(expected_width));
    return inputs;
}

}  // namespace layerlens

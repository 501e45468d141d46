#include "cli_options.h"

#include <sstream>

#include "errors.h"
#include "method_registry.h"

namespace layerlens::cli {

namespace {

double parse_double(const std::string& flag, const std::string& text) {
    try {
        size_t used = 0;
        const double value = std::stod(text, &used);
        if (used == text.size()) return value;
    } catch (const std::exception&) {
    }
    throw ParameterError(flag + " expects a number, got '" + text + "'");
}

long long parse_int(const std::string& flag, const std::string& text) {
    try {
        size_t used = 0;
        const long long value = std::stoll(text, &used);
        if (used == text.size()) return value;
    } catch (const std::exception&) {
    }
    throw ParameterError(flag + " expects an integer, got '" + text + "'");
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::stringstream stream(text);
    std::string part;
    while (std::getline(stream, part, separator))
        if (!part.empty()) parts.push_back(part);
    return parts;
}

NMPattern parse_nm(const std::string& text) {
    const auto parts = split(text, ':');
    if (parts.size() != 2) throw ParameterError("--nm expects N:M such as 2:4, got '" + text + "'");
    NMPattern nm{static_cast<int>(parse_int("--nm", parts[0])), static_cast<int>(parse_int("--nm", parts[1]))};
    if (nm.n_keep <= 0 || nm.m <= 0 || nm.n_keep > nm.m)
        throw ParameterError("--nm " + text + " is impossible: need 0 < N <= M (N weights kept in every M)");
    return nm;
}

bool parse_bool_word(const std::string& flag, const std::string& text) {
    if (text == "on" || text == "true" || text == "1") return true;
    if (text == "off" || text == "false" || text == "0") return false;
    throw ParameterError(flag + " expects on or off, got '" + text + "'");
}

}  // namespace

std::string usage() {
    std::ostringstream out;
    out << "usage: layerlens-cli COMMAND [FILE | --demo] [options]\n\n"
           "commands:\n"
           "  info FILE [--json]                      list the layers of an HDF5 file\n"
           "  run FILE|--demo --layer NAME --method M run one method, print E and more\n"
           "  compare FILE|--demo --layer NAME --methods A,B,...   run several on one layer\n"
           "  sweep FILE|--demo --layer NAME --methods A,B --sparsities 0.5,0.6 | --bits 2,3,4\n"
           "  bench [--shapes 1024x1024,...] [--tokens N] [--methods ...]   speed on synthetic layers\n"
           "  methods                                 list the methods\n\n"
           "source:   --layer NAME  --inputs FILE (separate inputs)  --demo  --demo-shape 1024x1024\n"
           "          --demo-tokens N  --max-memory-mb MB\n"
           "budget:   --bits B  --group G (0 = one group per row)  --sparsity S  --nm N:M\n"
           "          --rank R  --param-ratio P\n"
           "methods:  --damp F --block B --act-order --awq-grid N --duo-scaling --no-clip\n"
           "          --keep-by activation|weight|random --keep-fraction F --keep-scale S --seed N\n"
           "          --iters N --step-scale F --tol F --init wanda|magnitude|sparsegpt|rtn\n"
           "          --mask-scope row|layer --accelerate\n"
           "output:   --json  --csv  --export OUT.h5 [--force]  --threads T\n\n"
           "exit codes: 0 success, 1 bad input file or data, 2 bad usage or parameter\n"
           "methods: ";
    const auto names = method_names();
    for (size_t k = 0; k < names.size(); ++k) out << (k ? ", " : "") << names[k];
    out << "\n";
    return out.str();
}

Options parse_options(int argc, char** argv) {
    Options o;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) throw ParameterError("no command given");
    o.command = args[0];
    static const std::vector<std::string> commands = {"info", "run", "compare", "sweep", "bench", "methods"};
    if (std::find(commands.begin(), commands.end(), o.command) == commands.end())
        throw ParameterError("unknown command '" + o.command + "'");
    CompressionParams& p = o.params;
    for (size_t k = 1; k < args.size(); ++k) {
        const std::string& a = args[k];
        auto value = [&]() -> const std::string& {
            if (k + 1 >= args.size()) throw ParameterError(a + " needs a value");
            return args[++k];
        };
        if (a == "--json") o.json = true;
        else if (a == "--csv") o.csv = true;
        else if (a == "--demo") { o.source.demo = true; o.source_given = true; }
        else if (a == "--demo-shape") { o.source.demo = true; o.source_given = true; parse_shape(value(), o.source.demo_spec.d_out, o.source.demo_spec.d_in); }
        else if (a == "--demo-tokens") { o.source.demo_spec.n_tokens = parse_int(a, value()); if (o.source.demo_spec.n_tokens <= 0) throw ParameterError("--demo-tokens must be positive"); }
        else if (a == "--layer") o.source.layer = value();
        else if (a == "--all-layers") o.all_layers = true;
        else if (a == "--names") o.names_only = true;
        else if (a == "--inputs") o.source.inputs_path = value();
        else if (a == "--max-memory-mb") { const long long mb = parse_int(a, value()); if (mb <= 0) throw ParameterError("--max-memory-mb must be positive"); o.source.limits.max_weight_bytes = static_cast<size_t>(mb) << 20; }
        else if (a == "--method" || a == "--methods") { for (auto& m : split(value(), ',')) o.methods.push_back(m); }
        else if (a == "--bits" && o.command == "sweep") { for (auto& b : split(value(), ',')) o.sweep_bits.push_back(static_cast<int>(parse_int(a, b))); }
        else if (a == "--bits") p.bits = static_cast<int>(parse_int(a, value()));
        else if (a == "--group") p.group_size = static_cast<int>(parse_int(a, value()));
        else if (a == "--sparsity") p.sparsity = parse_double(a, value());
        else if (a == "--sparsities") { for (auto& s : split(value(), ',')) o.sweep_sparsities.push_back(parse_double(a, s)); }
        else if (a == "--nm") p.nm = parse_nm(value());
        else if (a == "--damp") p.damp = parse_double(a, value());
        else if (a == "--block") p.block_size = static_cast<int>(parse_int(a, value()));
        else if (a == "--act-order") p.act_order = true;
        else if (a == "--awq-grid") p.awq_grid = static_cast<int>(parse_int(a, value()));
        else if (a == "--duo-scaling") p.awq_duo_scaling = true;
        else if (a == "--no-clip") p.awq_clip = false;
        else if (a == "--clip") p.awq_clip = parse_bool_word(a, value());
        else if (a == "--keep-by") p.keep_by = value();
        else if (a == "--keep-fraction") p.keep_fraction = parse_double(a, value());
        else if (a == "--keep-scale") p.keep_scale = parse_double(a, value());
        else if (a == "--seed") p.seed = static_cast<unsigned>(parse_int(a, value()));
        else if (a == "--iters") p.iters = static_cast<int>(parse_int(a, value()));
        else if (a == "--step-scale") p.step_scale = parse_double(a, value());
        else if (a == "--tol") p.tol = parse_double(a, value());
        else if (a == "--init") p.init = value();
        else if (a == "--mask-scope") p.mask_scope = value();
        else if (a == "--accelerate") p.accelerate = true;
        else if (a == "--rank") p.rank = static_cast<int>(parse_int(a, value()));
        else if (a == "--param-ratio") p.param_ratio = parse_double(a, value());
        else if (a == "--export") o.export_path = value();
        else if (a == "--force") o.force = true;
        else if (a == "--threads") { o.threads = static_cast<int>(parse_int(a, value())); if (o.threads <= 0) throw ParameterError("--threads must be positive"); }
        else if (a == "--shapes") o.bench_shapes = split(value(), ',');
        else if (a == "--tokens") { o.bench_tokens = parse_int(a, value()); if (o.bench_tokens <= 0) throw ParameterError("--tokens must be positive"); }
        else if (!a.empty() && a[0] == '-') throw ParameterError("unknown option '" + a + "'");
        else if (o.source.path.empty() && !o.source.demo) { o.source.path = a; o.source_given = true; }
        else throw ParameterError("unexpected argument '" + a + "'");
    }
    for (const auto& m : o.methods) find_method(m);   // unknown names fail before any work
    if (o.json && o.csv) throw ParameterError("choose one of --json and --csv");
    return o;
}

}  // namespace layerlens::cli

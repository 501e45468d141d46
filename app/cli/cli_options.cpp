#include "cli_options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "errors.h"
#include "io/layer_format.h"
#include "method_registry.h"
#include "model/model_eval_plan.h"
#include "param_spec.h"

namespace layerlens::cli {

namespace {

const char* kQuietHelp = "no progress on stderr (by default a line redrawn in place on a terminal, a line per finished stage otherwise)";
const char* kCommands = "the commands are info, run, compare, sweep, bench, methods, eval-model, sweep-model, merge-shards, demo-model, calibration (see `layerlens-cli --help`)";

const char* kFooter =
    "exit codes: 0 success, 1 bad input file or data, 2 bad usage or parameter, 3 internal error (a bug: please report it)\n"
    "`layerlens-cli COMMAND --help` shows every option of a command; `layerlens-cli methods --detail NAME` one method's settings.";

// Every declared parameter once, with the methods that read it, in registry order.
struct DeclaredParam {
    const ParamSpec* spec;
    std::vector<std::string> methods;
};

std::vector<DeclaredParam> declared_params() {
    std::vector<DeclaredParam> out;
    for (const MethodInfo& m : all_methods())
        for (const ParamSpec* spec : m.params) {
            auto it = std::find_if(out.begin(), out.end(), [&](const DeclaredParam& d) { return d.spec == spec; });
            if (it == out.end()) out.push_back({spec, {m.name}});
            else it->methods.push_back(m.name);
        }
    return out;
}

std::string joined(const std::vector<std::string>& parts, const char* separator) {
    std::string out;
    for (size_t k = 0; k < parts.size(); ++k) out += (k ? separator : "") + parts[k];
    return out;
}

// What the user typed for each declared parameter; converted after parsing so that the
// messages are the declarations' own.
struct ParamTexts {
    std::map<std::string, std::string> values;
    std::map<std::string, bool> flags;
    std::map<const CLI::App*, std::set<std::string>> registered;   // which command offers which
};

void add_param_option(CLI::App& command, const DeclaredParam& d, ParamTexts& texts) {
    const ParamSpec& spec = *d.spec;
    const std::string group = spec.axis == BudgetAxis::None ? "Method settings" : "Budget";
    const std::string used_by = " [" + joined(d.methods, ", ") + "]";
    texts.registered[&command].insert(spec.name);
    if (spec.type == ParamType::Flag) {
        const bool on_by_default = std::get<bool>(spec.default_value());
        const std::string name = on_by_default ? "--no-" + spec.name : "--" + spec.name;
        command.add_flag_callback(name, [&texts, &spec, on_by_default] { texts.flags[spec.name] = !on_by_default; },
                                  (on_by_default ? "turn off: " : "") + spec.help + used_by)
            ->group(group);
        // The other sense too, so scripts can state either explicitly.
        command.add_flag_callback(on_by_default ? "--" + spec.name : "--no-" + spec.name,
                                  [&texts, &spec, on_by_default] { texts.flags[spec.name] = on_by_default; },
                                  "(the default)")
            ->group("");
        return;
    }
    std::string type = spec.type == ParamType::Integer ? "INT" : spec.type == ParamType::Real ? "NUM"
                       : spec.type == ParamType::Pattern ? "N:M" : "NAME";
    command.add_option("--" + spec.name, texts.values[spec.name], spec.help + "; " + spec.range_text() + used_by)
        ->type_name(type)
        ->default_str(spec.optional && spec.type == ParamType::Pattern ? "" : param_text(spec, spec.default_value()))
        ->group(group);
}

void apply_params(const std::vector<DeclaredParam>& declared, ParamTexts& texts, const CLI::App& command,
                  CompressionParams& params) {
    for (const DeclaredParam& d : declared) {
        const ParamSpec& spec = *d.spec;
        if (!texts.registered[&command].count(spec.name)) continue;   // e.g. sweep's own --bits list
        std::optional<ParamValue> value;
        if (spec.type == ParamType::Flag) {
            if (auto it = texts.flags.find(spec.name); it != texts.flags.end()) value = it->second;
        } else if (const CLI::Option* opt = command.get_option_no_throw("--" + spec.name); opt && opt->count() > 0) {
            value = parse_param(spec, texts.values.at(spec.name));
        }
        if (!value) continue;
        check_param(spec, *value);
        spec.set(params, value);
    }
}

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

// "unknown option '--sparsty'; did you mean --sparsity?"
std::string unknown_argument(const CLI::App& command, const std::string& argument) {
    if (argument.empty() || argument[0] != '-')
        return "unexpected argument '" + argument + "' for " + command.get_name();
    const std::string typed = argument.substr(0, argument.find('='));
    std::string best;
    size_t best_distance = 1000;
    for (const CLI::Option* opt : command.get_options())
        for (const std::string& name : opt->get_lnames()) {
            const size_t distance = edit_distance(typed, "--" + name);
            if (distance < best_distance) best_distance = distance, best = "--" + name;
        }
    std::string message = "unknown option '" + typed + "' for " + command.get_name();
    if (!best.empty() && best_distance <= std::max<size_t>(2, typed.size() / 3)) message += "; did you mean " + best + "?";
    return message + " (see `layerlens-cli " + command.get_name() + " --help`)";
}

// "a,b,c"; an empty item ("a,,b", "", ",") is a typo, not something to skip silently.
std::vector<std::string> split_list(const std::string& text, const std::string& option) {
    std::vector<std::string> parts;
    std::string part;
    for (char c : text + ",") {
        if (c != ',') { part += c; continue; }
        if (part.empty()) throw ParameterError(option + " has an empty item in '" + text + "' (give a,b,c)");
        parts.push_back(part);
        part.clear();
    }
    return parts;
}

// The state CLI11 writes into while parsing; turned into Options afterwards.
struct Parsed {
    Options options;
    std::string methods_text, demo_shape, sweep_sparsities, sweep_bits, shapes, table, layers_text, shard_text;
    bool no_sequential = false;
    long long demo_tokens = 0, max_memory_mb = 0;
    ParamTexts params;
};

// An output given as '' would read as "no output" further on: the run would end with nothing written.
const CLI::Validator& output_name() {
    static const CLI::Validator validator(
        [](std::string& value) { return value.empty() ? std::string("needs a file name, got ''") : std::string(); }, "", "OUT");
    return validator;
}

// 1 PiB: beyond it MiB << 20 would not fit a 64-bit byte count.
constexpr long long kMaxMemoryMb = 1LL << 30;

// More threads than this are a typo (OpenMP would start them all: 100000 hung the machine).
constexpr int kMaxThreads = 1024;

void add_threads_option(CLI::App& command, int& threads, const std::string& group) {
    CLI::Option* option = command.add_option("--threads", threads, "worker threads (0 = all cores)")
                              ->check(CLI::Range(0, kMaxThreads));
    if (!group.empty()) option->group(group);
}

void add_max_memory_option(CLI::App& command, long long& megabytes, const std::string& help, const std::string& group) {
    CLI::Option* option = command.add_option("--max-memory-mb", megabytes, help)
                              ->default_str(std::to_string(ReadLimits{}.max_weight_bytes >> 20))
                              ->check(CLI::Range(1LL, kMaxMemoryMb));
    if (!group.empty()) option->group(group);
}

void add_source_options(CLI::App& command, Parsed& p) {
    command.add_option("file", p.options.source.path, "layer file (" + layer_format_names() + "; detected by content)")
        ->type_name("FILE");
    command.add_option("--layer", p.options.source.layer,
                       "layer name in the file, with or without .weight (may be omitted when it holds one)")
        ->group("Source");
    command.add_option("--inputs", p.options.source.inputs_path,
                       "a second file holding the layer's inputs: HDF5 with the same layer name, or .npy "
                       "[n_tokens, d_in] or [batch, seq, d_in]")
        ->type_name("FILE")
        ->group("Source");
    command.add_flag("--demo", p.options.source.demo, "the built-in demo layer instead of a file")->group("Source");
    command.add_option("--demo-shape", p.demo_shape, "demo layer shape D_OUTxD_IN")->default_str("1024x1024")->group("Source");
    command.add_option("--demo-tokens", p.demo_tokens, "demo calibration tokens")
        ->default_str(std::to_string(DemoSpec{}.n_tokens))
        ->check(CLI::PositiveNumber)
        ->group("Source");
    add_max_memory_option(command, p.max_memory_mb, "refuse a weight larger than this before reading it", "Source");
}

void add_output_options(CLI::App& command, Parsed& p, bool with_export) {
    command.add_flag("--json", p.options.json, "print JSON (one object per run)")->group("Output");
    command.add_flag("--csv", p.options.csv, "print CSV rows")->group("Output");
    if (with_export) {
        command.add_option("--export", p.options.export_path, "write Ŵ (and its mask or scales) as a layer to OUT.h5")
            ->check(output_name())->type_name("OUT.h5")
            ->group("Output");
        command.add_flag("--force", p.options.force, "overwrite the --export file")->group("Output");
    }
    add_threads_option(command, p.options.threads, "Output");
    command.add_flag("--quiet", p.options.quiet, kQuietHelp)->group("Output");
}

void add_method_options(CLI::App& command, Parsed& p, const std::vector<DeclaredParam>& declared, bool sweep,
                        const std::string& taken = "") {
    for (const DeclaredParam& d : declared) {
        if (d.spec->name == taken) continue;   // the command's own option of that name

        // A sweep sets the swept axis at every point: bits, sparsity and N:M come from --bits /
        // --sparsities (sweep_plan.h), so they are not options of it.
        if (sweep && (d.spec->axis == BudgetAxis::Bits && d.spec->name == "bits")) continue;
        if (sweep && d.spec->axis == BudgetAxis::Sparsity) continue;
        add_param_option(command, d, p.params);
    }
}

CLI::App* add_command(CLI::App& app, const std::string& name, const std::string& description) {
    CLI::App* command = app.add_subcommand(name, description);
    command->allow_extras();   // unknown options are reported by us, with a suggestion
    command->footer(kFooter);
    return command;
}

void add_eval_model_command(CLI::App& app, Parsed& p, const std::vector<DeclaredParam>& declared) {
    ModelEvalRequest& r = p.options.model_eval;
    CLI::App* eval = add_command(app, "eval-model",
                                 "compress a whole model with each method and budget and measure its perplexity and KL "
                                 "divergence from the dense model");
    eval->add_option("model", r.model_path,
                     "a llama2.c checkpoint (.bin), or a Hugging Face Llama directory (config.json + safetensors)")
        ->type_name("MODEL")
        ->required();
    eval->add_option("--tokenizer", r.tokenizer_path, "llama2.c tokenizer (tok512.bin): needed for --calib-text/--eval-text")
        ->type_name("TOK")
        ->group("Tokens");
    eval->add_option("--calib-tokens", r.calibration.npy_path, "calibration token ids, an integer .npy [n_sequences, seq_len]")
        ->type_name("C.npy")
        ->group("Tokens");
    eval->add_option("--eval-tokens", r.evaluation.npy_path, "evaluation token ids, an integer .npy [n_sequences, seq_len]")
        ->type_name("E.npy")
        ->group("Tokens");
    eval->add_option("--calib-text", r.calibration.text_path, "calibration text, encoded with --tokenizer and cut into --seq-len sequences")
        ->type_name("FILE")
        ->group("Tokens");
    eval->add_option("--eval-text", r.evaluation.text_path, "evaluation text, encoded with --tokenizer and cut into --seq-len sequences")
        ->type_name("FILE")
        ->group("Tokens");
    eval->add_option("--calib-sequences", r.calibration.sequences, "calibration sequences sampled from the model (without a token file)")
        ->default_str(std::to_string(r.calibration.sequences))
        ->check(CLI::PositiveNumber)
        ->group("Tokens");
    eval->add_option("--eval-sequences", r.evaluation.sequences, "evaluation sequences sampled from the model (without a token file)")
        ->default_str(std::to_string(r.evaluation.sequences))
        ->check(CLI::PositiveNumber)
        ->group("Tokens");
    eval->add_option("--seq-len", r.seq_len, "tokens per sampled or text sequence (at most the model's context)")
        ->default_str(std::to_string(r.seq_len))
        ->check(CLI::PositiveNumber)
        ->group("Tokens");
    eval->add_option("--token-seed", r.seed, "seed of the sampled token sets (calibration and evaluation never overlap)")
        ->default_str(std::to_string(r.seed))
        ->group("Tokens");
    eval->add_option("--methods,--method", p.methods_text, "comma-separated methods (without it and --table: the dense model only)")
        ->type_name("A,B,...");
    eval->add_option("--sparsities", p.sweep_sparsities, "run each method at each of these sparsities, e.g. 0.5,0.7")
        ->type_name("LIST");
    eval->add_option("--table", p.table,
                     "the AWP paper's table: pruning (magnitude, Wanda, SparseGPT, AWP at 50-90%), quantization (RTN, "
                     "AWQ, GPTQ, AWP at INT4 g128) or joint (AWP, Wanda+AWQ, AWQ+Wanda at 25/50/75% + INT4)")
        ->type_name("NAME");
    eval->add_flag("--no-sequential", p.no_sequential,
                   "calibrate every block on the dense model's activations (default: on those of the already-compressed "
                   "earlier blocks, as the reference GPTQ/SparseGPT/Wanda code does)");
    eval->add_flag("--json", p.options.json, "print JSON, an array with one object per row")->group("Output");
    eval->add_flag("--csv", p.options.csv, "print CSV rows")->group("Output");
    eval->add_option("--save-model", p.options.save_model_path,
                     "write the compressed model (one method and budget): a .bin for a llama2.c input, a config.json + "
                     "model.safetensors directory for a Hugging Face input")
        ->check(output_name())->type_name("OUT")
        ->group("Output");
    eval->add_flag("--force", p.options.force, "overwrite the --save-model output")->group("Output");
    eval->add_option("--save-logits", p.options.save_logits_path,
                     "write the dense model's logits of the evaluation set, float32 [n_sequences, seq_len, vocab]")
        ->check(output_name())->type_name("L.npy")
        ->group("Output");
    eval->add_option("--save-calib-tokens", p.options.save_calib_tokens_path,
                     "write the calibration token ids used (sampled or read), int32 [n_sequences, seq_len]")
        ->check(output_name())->type_name("C.npy")
        ->group("Output");
    eval->add_option("--save-eval-tokens", p.options.save_eval_tokens_path,
                     "write the evaluation token ids used, so that another run (or another tool) scores the same tokens")
        ->check(output_name())->type_name("E.npy")
        ->group("Output");
    add_max_memory_option(*eval, p.max_memory_mb, "refuse a weight larger than this before reading it", "Source");
    add_threads_option(*eval, p.options.threads, "Output");
    eval->add_flag("--quiet", p.options.quiet, kQuietHelp)->group("Output");
    add_method_options(*eval, p, declared, false);
}

// The methods and budgets of eval-model and sweep-model: one of the AWP paper's tables, or the
// listed methods at the budget options or at each of --sparsities (model_eval_plan.h).
std::vector<ModelEvalPoint> planned_points(const Parsed& p) {
    const Options& o = p.options;
    if (!p.table.empty()) {
        const auto table = model_table_names().parse(p.table);
        if (!table) throw ParameterError("unknown table '" + p.table + "'; the tables are " + model_table_names().listed());
        if (!o.methods.empty() || !p.sweep_sparsities.empty())
            throw ParameterError("--table chooses the methods and budgets; give it without --methods and --sparsities");
        return table_points(*table, o.params);
    }
    if (!p.sweep_sparsities.empty() && o.methods.empty()) throw ParameterError("--sparsities needs --methods");
    return method_points(o.methods, o.params,
                         p.sweep_sparsities.empty() ? std::vector<double>{} : parse_sweep_values(p.sweep_sparsities, "--sparsities"));
}

// Plans the evaluation's points once the method settings are known.
void finish_eval_model(Parsed& p) {
    Options& o = p.options;
    ModelEvalRequest& r = o.model_eval;
    r.sequential = !p.no_sequential;
    if (p.max_memory_mb > 0) r.limits.max_weight_bytes = static_cast<size_t>(p.max_memory_mb) << 20;
    r.points = planned_points(p);
    if (!o.save_model_path.empty() && r.points.size() != 1)
        throw ParameterError("--save-model writes one compressed model: give one method and one budget (got " +
                             std::to_string(r.points.size()) + " points)");
}

void add_sweep_model_commands(CLI::App& app, Parsed& p, const std::vector<DeclaredParam>& declared) {
    Options& o = p.options;
    CLI::App* sweep = add_command(app, "sweep-model",
                                  "every method at every budget on every layer of a file: E per layer x method, "
                                  "appended to a JSONL file, resumable and shardable over a batch scheduler");
    sweep->add_option("file", o.model_sweep.path, "layer file with inputs (" + layer_format_names() + ")")
        ->type_name("FILE")
        ->required();
    sweep->add_option("--methods,--method", p.methods_text, "comma-separated methods, or all")->type_name("A,B,...");
    sweep->add_option("--sparsities", p.sweep_sparsities, "run each method at each of these sparsities, e.g. 0.5,0.7")
        ->type_name("LIST");
    sweep->add_option("--table", p.table, "the methods and budgets of an eval-model table: pruning, quantization or joint")
        ->type_name("NAME");
    sweep->add_option("--layers", p.layers_text, "only the layers whose names match one of these shell patterns")
        ->type_name("GLOB,...");
    sweep->add_option("--out", o.sweep_out,
                      "the result, one JSON row per layer x method x budget; rows are appended to OUT.partial as they "
                      "finish, and a run started again with the same arguments computes only what is missing")
        ->check(output_name())->type_name("RESULT.jsonl")
        ->required()
        ->group("Output");
    sweep->add_option("--shard", p.shard_text,
                      "run only shard I of N (I from 0), balanced by layer cost; default: from SLURM_ARRAY_TASK_ID / "
                      "SLURM_ARRAY_TASK_COUNT or JOB_COMPLETION_INDEX with --shard-count")
        ->type_name("I/N")
        ->group("Shards");
    sweep->add_option("--shard-count", o.shard_count, "the number of shards when the index comes from JOB_COMPLETION_INDEX")
        ->type_name("N")
        ->check(CLI::PositiveNumber)
        ->group("Shards");
    sweep->add_flag("--force", o.force, "discard an earlier OUT or OUT.partial instead of resuming it")->group("Output");
    sweep->add_option("--outlier-factor", o.outlier_factor, "a layer whose E is above this multiple of its method's median is listed")
        ->default_str("3")
        ->check(CLI::PositiveNumber)
        ->group("Output");
    sweep->add_flag("--json", o.json, "print the summary as JSON")->group("Output");
    add_max_memory_option(*sweep, p.max_memory_mb, "refuse a weight larger than this before reading it", "Source");
    add_threads_option(*sweep, o.threads, "Output");
    sweep->add_flag("--quiet", o.quiet, kQuietHelp)->group("Output");
    add_method_options(*sweep, p, declared, false);

    CLI::App* merge = add_command(app, "merge-shards",
                                  "put the shard files of one sweep-model back together, checking that they cover "
                                  "the work exactly once");
    merge->add_option("out", o.sweep_out, "the merged result")->check(output_name())->type_name("OUT.jsonl")->required();
    merge->add_option("shards", o.shard_files, "the shard files")->type_name("SHARD.jsonl...")->required();
    merge->add_flag("--force", o.force, "replace OUT")->group("Output");
    merge->add_option("--outlier-factor", o.outlier_factor, "a layer whose E is above this multiple of its method's median is listed")
        ->default_str("3")
        ->check(CLI::PositiveNumber)
        ->group("Output");
    merge->add_flag("--json", o.json, "print the summary as JSON")->group("Output");
    merge->add_flag("--quiet", o.quiet, "print no summary")->group("Output");
}

void add_calibration_command(CLI::App& app, Parsed& p, const std::vector<DeclaredParam>& declared) {
    Options& o = p.options;
    CLI::App* calibration = add_command(app, "calibration",
                                        "how much the salient channels and each method's result depend on the calibration "
                                        "tokens: stability under resampling and the penalty of calibrating on other data");
    add_source_options(*calibration, p);
    calibration->add_option("--inputs2", o.inputs2_path,
                            "a second calibration set for the same layer (HDF5 with a group of the layer's name, or .npy); "
                            "without it the two sets are the first and second half of the tokens")
        ->type_name("FILE2")
        ->group("Source");
    calibration->add_option("--methods,--method", p.methods_text, "comma-separated methods, or all")
        ->type_name("A,B,...")
        ->required();
    calibration->add_option("--resamples", o.resamples, "bootstrap resamples of the tokens")
        ->default_str("20")
        ->check(CLI::Range(2, 10000))
        ->group("Resampling");
    calibration->add_option("--seed", o.calibration_seed, "seed of the resamples (and of awq-keep's random channels)")
        ->default_str("0")
        ->group("Resampling");
    add_output_options(*calibration, p, false);
    add_method_options(*calibration, p, declared, false, "seed");
}

void add_demo_model_command(CLI::App& app, Parsed& p) {
    Options& o = p.options;
    CLI::App* demo = add_command(app, "demo-model",
                                 "write a synthetic model file: demo layers (with outlier channels) and their inputs, "
                                 "for sweep-model and the GUI at LLM sizes");
    demo->add_option("out", o.sweep_out, "the HDF5 file to write")->check(output_name())->type_name("OUT.h5")->required();
    demo->add_option("--layers", o.demo_layers, "number of layers")->default_str("16")->check(CLI::Range(1, 1024));
    demo->add_option("--demo-shape", p.demo_shape, "every layer's shape D_OUTxD_IN")->default_str("1024x1024");
    demo->add_option("--demo-tokens", p.demo_tokens, "calibration tokens per layer")
        ->default_str(std::to_string(DemoSpec{}.n_tokens))
        ->check(CLI::PositiveNumber);
    demo->add_flag("--force", o.force, "replace OUT");
}

// The points of a sweep-model, planned as eval-model plans its own.
void finish_sweep_model(Parsed& p) {
    Options& o = p.options;
    ModelSweepRequest& r = o.model_sweep;
    if (p.max_memory_mb > 0) r.limits.max_weight_bytes = static_cast<size_t>(p.max_memory_mb) << 20;
    r.layer_patterns = p.layers_text.empty() ? std::vector<std::string>{} : split_list(p.layers_text, "--layers");
    if (p.table.empty() && o.methods.empty()) throw ParameterError("sweep-model needs --methods A,B,... (or all, or --table NAME)");
    r.points = planned_points(p);
    if (!p.shard_text.empty()) o.shard = parse_shard(p.shard_text);
}

void build_app(CLI::App& app, Parsed& p, const std::vector<DeclaredParam>& declared) {
    app.require_subcommand(1);
    app.footer(kFooter);
    CLI::App* info = add_command(app, "info", "list the layers of a file with their shapes and outlier strength");
    info->add_option("file", p.options.source.path, "layer file (" + layer_format_names() + "; detected by content)")->type_name("FILE")->required();
    info->add_flag("--json", p.options.json, "print JSON")->group("Output");

    CLI::App* run = add_command(app, "run", "run one method on one layer and print E and more");
    CLI::App* compare = add_command(app, "compare", "run several methods on one layer, side by side");
    CLI::App* sweep = add_command(app, "sweep", "E of each method over a list of sparsities or bit widths");
    for (CLI::App* command : {run, compare, sweep}) {
        add_source_options(*command, p);
        const bool one = command == run;
        command->add_option(one ? "--method,--methods" : "--methods,--method", p.methods_text,
                            one ? "the method (see `layerlens-cli methods`)" : "comma-separated methods")
            ->type_name(one ? "NAME" : "A,B,...")
            ->required();
        add_output_options(*command, p, command != sweep);
        add_method_options(*command, p, declared, command == sweep);
    }
    sweep->add_option("--sparsities", p.sweep_sparsities, "sparsities to sweep, e.g. 0.5,0.6,0.7")->type_name("LIST")->group("Sweep");
    sweep->add_option("--bits", p.sweep_bits, "bit widths to sweep, e.g. 2,3,4")->type_name("LIST")->group("Sweep");

    CLI::App* bench = add_command(app, "bench", "time every method on synthetic LLM-shaped layers");
    bench->add_option("--shapes", p.shapes, "layer shapes")->type_name("LIST")->default_str("1024x1024");
    bench->add_option("--tokens", p.options.bench_tokens, "calibration tokens")->default_str("2048")->check(CLI::PositiveNumber);
    bench->add_option("--methods,--method", p.methods_text, "methods to time (default: all)")->type_name("A,B,...");
    bench->add_flag("--json", p.options.json, "print JSON rows")->group("Output");
    add_threads_option(*bench, p.options.threads, "");
    add_max_memory_option(*bench, p.max_memory_mb, "refuse a demo layer whose weight or inputs are larger than this", "");
    bench->add_flag("--quiet", p.options.quiet, kQuietHelp)->group("Output");
    add_method_options(*bench, p, declared, false);

    add_eval_model_command(app, p, declared);
    add_sweep_model_commands(app, p, declared);
    add_demo_model_command(app, p);
    add_calibration_command(app, p, declared);

    CLI::App* methods = add_command(app, "methods", "list the methods, or one method's settings");
    methods->add_flag("--names", p.options.names_only, "one comma-separated line of names");
    methods->add_flag("--json", p.options.json, "print JSON, with every parameter's declaration");
    methods->add_option("--detail", p.options.detail, "every setting of one method: name, default, range, help")->type_name("NAME");
}

void finish(Parsed& p, CLI::App& command, const std::vector<DeclaredParam>& declared) {
    Options& o = p.options;
    o.command = command.get_name();
    if (!command.remaining().empty()) throw ParameterError(unknown_argument(command, command.remaining().front()));
    // Given but empty ('' or ','): refused, rather than a command that runs nothing.
    const auto given = [&](const char* name) {
        const CLI::Option* option = command.get_option_no_throw(name);
        return option && option->count() > 0;
    };
    o.methods = p.methods_text == "all"                         ? method_names()
                : p.methods_text.empty() && !given("--methods") ? std::vector<std::string>{}
                                                                : split_list(p.methods_text, "--methods");
    if (given("--demo-shape") && p.demo_shape.empty()) throw ParameterError("--demo-shape needs D_OUTxD_IN, got ''");
    if (given("--layer") && o.source.layer.empty()) throw ParameterError("--layer needs a layer name, got ''");
    for (const auto& m : o.methods) find_method(m);   // unknown names fail before any work
    if (!o.detail.empty()) find_method(o.detail);
    if (!p.demo_shape.empty()) {
        o.source.demo = true;
        parse_shape(p.demo_shape, o.source.demo_spec.d_out, o.source.demo_spec.d_in);
    }
    if (p.demo_tokens > 0) o.source.demo_spec.n_tokens = p.demo_tokens;
    if (p.max_memory_mb > 0) o.source.limits.max_weight_bytes = static_cast<size_t>(p.max_memory_mb) << 20;
    if (o.source.demo) check_demo_fits(o.source.demo_spec, o.source.limits.max_weight_bytes);
    o.source_given = o.source.demo || !o.source.path.empty();
    if (o.source.demo && !o.source.path.empty())
        throw ParameterError("give a file or --demo, not both (got '" + o.source.path + "' and --demo)");
    if (!p.shapes.empty() || given("--shapes")) o.bench_shapes = split_list(p.shapes, "--shapes");
    if (o.command == "sweep") {
        if (p.sweep_sparsities.empty() == p.sweep_bits.empty())
            throw ParameterError("sweep needs exactly one of --sparsities 0.5,0.6,... and --bits 2,3,4,...");
        o.sweep_axis = p.sweep_bits.empty() ? SweepAxis::Sparsity : SweepAxis::Bits;
        o.sweep_values = p.sweep_bits.empty() ? parse_sweep_values(p.sweep_sparsities, "--sparsities")
                                         : parse_sweep_values(p.sweep_bits, "--bits");
    }
    apply_params(declared, p.params, command, o.params);
    if (o.json && o.csv) throw ParameterError("choose one of --json and --csv");
    if (o.command == "eval-model") finish_eval_model(p);
    if (o.command == "sweep-model") finish_sweep_model(p);
    if (o.command == "calibration") {
        o.params.seed = static_cast<unsigned>(o.calibration_seed);
        o.calibration_points = method_points(o.methods, o.params);
    }
}

}  // namespace

Options parse_options(int argc, char** argv) {
    const std::vector<DeclaredParam> declared = declared_params();
    Parsed p;
    CLI::App app("LayerLens: what activation-aware compression does to a layer of a language model", "layerlens-cli");
    build_app(app, p, declared);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        // The help of the command it was asked of: `layerlens-cli run --help` shows run's options.
        const CLI::App* asked = &app;
        for (const CLI::App* sub : app.get_subcommands()) asked = sub;
        std::cout << (asked == &app ? app.help() : asked->help("layerlens-cli"));
        p.options.help_printed = true;
        return p.options;
    } catch (const CLI::RequiredError& e) {
        const std::string command = app.get_subcommands().empty() ? "" : app.get_subcommands().front()->get_name();
        if (command.empty() && argc >= 2 && argv[1][0] != '-')
            throw ParameterError("unknown command '" + std::string(argv[1]) + "'; " + kCommands);
        if (command.empty()) throw ParameterError(std::string("no command given; ") + kCommands);
        throw ParameterError(command + ": " + e.what() + " (see `layerlens-cli " + command + " --help`)");
    } catch (const CLI::ParseError& e) {
        std::string what = e.what();
        if (what.find("was not expected") != std::string::npos || what.find("could not be matched") != std::string::npos) {
            if (argc >= 2) throw ParameterError("unknown command '" + std::string(argv[1]) + "'; " + kCommands);
        }
        throw ParameterError(what);
    }
    finish(p, *app.get_subcommands().front(), declared);
    return p.options;
}

}  // namespace layerlens::cli

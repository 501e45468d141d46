// layerlens-cli: the headless interface. Exit codes (cli_options.h): 0 success, 1 bad input file
// or data, 2 bad usage or parameter, 3 internal error. Every failure prints one line on stderr
// naming what is wrong.
#include <iostream>
#include <string>
#include <vector>

#include "cli_options.h"
#include "commands.h"
#include "errors.h"
#include "threads.h"

using namespace layerlens;

namespace {

int dispatch(const cli::Options& options) {
    set_thread_count(options.threads);
    if (options.command == "info") return cli::run_info(options);
    if (options.command == "methods") return cli::run_methods(options);
    if (options.command == "sweep") return cli::run_sweep(options);
    if (options.command == "bench") return cli::run_bench(options);
    if (options.command == "eval-model") return cli::run_eval_model(options);
    if (options.command == "sweep-model") return cli::run_sweep_model(options);
    if (options.command == "merge-shards") return cli::run_merge_shards(options);
    if (options.command == "demo-model") return cli::run_demo_model(options);
    if (options.command == "calibration") return cli::run_calibration(options);
    return cli::run_run(options);
}

}  // namespace

int main(int argc, char** argv) {
    restart_with_runtime_settings(argv);
    std::vector<char*> args(argv, argv + argc);
    static char help[] = "--help";
    if (argc >= 2 && std::string(argv[1]) == "help") args[1] = help;   // `layerlens-cli help` as before
    try {
        const cli::Options options = cli::parse_options(static_cast<int>(args.size()), args.data());
        if (options.help_printed) return cli::kExitOk;
        return dispatch(options);
    } catch (const InputError& e) {
        std::cerr << "layerlens-cli: error: " << e.what() << "\n";
        return cli::kExitBadInput;
    } catch (const ParameterError& e) {
        std::cerr << "layerlens-cli: error: " << e.what() << "\n";
        return cli::kExitBadUsage;
    } catch (const std::bad_alloc&) {
        std::cerr << "layerlens-cli: error: out of memory\n";
        return cli::kExitBadInput;
    } catch (const std::exception& e) {
        std::cerr << "layerlens-cli: internal error: " << e.what() << "\n";
        return cli::kExitInternal;
    }
}

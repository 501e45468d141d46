// layerlens-cli: the headless interface. Exit codes: 0 success, 1 bad input file or data,
// 2 bad usage or parameter. Every failure prints one line on stderr naming what is wrong.
#include <iostream>

#include "cli_options.h"
#include "commands.h"
#include "errors.h"
#include "method_registry.h"
#include "threads.h"

using namespace layerlens;

int main(int argc, char** argv) {
    try {
        if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help")) {
            std::cout << cli::usage();
            return 0;
        }
        const cli::Options options = cli::parse_options(argc, argv);
        set_thread_count(options.threads);
        if (options.command == "info") return cli::run_info(options);
        if (options.command == "methods") return cli::run_methods(options);
        if (options.command == "sweep") return cli::run_sweep(options);
        if (options.command == "bench") return cli::run_bench(options);
        return cli::run_run(options);
    } catch (const InputError& e) {
        std::cerr << "layerlens-cli: error: " << e.what() << "\n";
        return 1;
    } catch (const ParameterError& e) {
        std::cerr << "layerlens-cli: error: " << e.what() << "\n\n" << cli::usage();
        return 2;
    } catch (const std::bad_alloc&) {
        std::cerr << "layerlens-cli: error: out of memory\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "layerlens-cli: internal error: " << e.what() << "\n";
        return 3;
    }
}

// libFuzzer target for one layer-file format, named at compile time by LAYERLENS_FUZZ_FORMAT
// ("HDF5", "safetensors", "NumPy", "llama2.c"; tests/fuzz/CMakeLists.txt builds one executable
// per format). Each input is written to a per-process file in /dev/shm and run through
// exercise_format (exercise_format.h): list_layers, read_layer (64 MiB limit), open_inputs and
// every chunk. InputError and ParameterError are the expected ways to refuse a file; any other
// exception aborts with its message, and ASan/UBSan/libFuzzer report crashes, leaks, hangs and
// out-of-memory. Build and run: scripts/fuzz.sh.
#include <hdf5.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <typeinfo>

#include "exercise_format.h"
#include "io/layer_format.h"

#ifndef LAYERLENS_FUZZ_FORMAT
#error "define LAYERLENS_FUZZ_FORMAT to the LayerFormat::name() to fuzz"
#endif
#ifndef LAYERLENS_FUZZ_EXTENSION
#define LAYERLENS_FUZZ_EXTENSION "bin"
#endif

namespace {

const layerlens::LayerFormat* g_format = nullptr;
std::string g_path;

void remove_scratch_file() {
    if (!g_path.empty()) std::remove(g_path.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    // No recycling of HDF5's internal blocks: a use after free inside the library then reaches
    // ASan's allocator instead of a still-valid free-list block.
    H5set_free_list_limits(0, 0, 0, 0, 0, 0);
    g_format = layerlens::fuzz::find_format(LAYERLENS_FUZZ_FORMAT);
    if (!g_format) {
        std::fprintf(stderr,
                     "fuzz: format \"%s\" is not registered in layerlens::layer_formats() (registered: %s); "
                     "nothing to fuzz\n",
                     LAYERLENS_FUZZ_FORMAT, layerlens::fuzz::registered_format_names().c_str());
        std::abort();   // scripts/fuzz.sh reports a target that says so as skipped, not failed
    }
    g_path = "/dev/shm/layerlens-fuzz-" + std::to_string(getpid()) + "." LAYERLENS_FUZZ_EXTENSION;
    std::atexit(remove_scratch_file);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    {
        std::ofstream out(g_path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        if (!out) {
            std::fprintf(stderr, "fuzz: cannot write %s\n", g_path.c_str());
            std::abort();
        }
    }
    try {
        layerlens::fuzz::exercise_format(*g_format, g_path);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz: %s reader threw %s (not InputError/ParameterError): %s\n", LAYERLENS_FUZZ_FORMAT,
                     typeid(e).name(), e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "fuzz: %s reader threw a non-std::exception\n", LAYERLENS_FUZZ_FORMAT);
        std::abort();
    }
    return 0;
}

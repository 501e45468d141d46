// The child-process probe in front of every HDF5 read (core/io/hdf5_probe.h): a probe that
// crashes or never ends becomes an InputError naming the file and what was read, while this
// process goes on; one that finishes or refuses the file lets the real read go on; a passed
// request is not probed again until the file changes.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "errors.h"
#include "io/hdf5_probe.h"
#include "test_support.h"

using namespace layerlens;
using namespace layerlens::test;

namespace {
namespace fs = std::filesystem;

class Hdf5Probe : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = (fs::temp_directory_path() / ("layerlens-probe-" + std::to_string(getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".h5"))
                    .string();
        std::ofstream(path_) << "not read by the probes here";
        setenv("LAYERLENS_HDF5_PROBE_SECONDS", "1", 1);
    }
    void TearDown() override {
        unsetenv("LAYERLENS_HDF5_PROBE_SECONDS");
        fs::remove(path_);
    }
    std::string path_;
};
}  // namespace

TEST_F(Hdf5Probe, ACrashInTheChildIsAnInputErrorNamingTheFileAndTheRead) {
    expect_input_error([&] { hdf5::probe_in_child(path_, "layer q", "layer 'q'", [] { raise(SIGSEGV); }); },
                       {path_, "crashed (signal 11", "layer 'q'"});
}

TEST_F(Hdf5Probe, AnAbnormalExitIsAnInputErrorToo) {
    expect_input_error([&] { hdf5::probe_in_child(path_, "list", "its layers", [] { _exit(1); }); },
                       {"ended abnormally (exit status 1)"});
}

TEST_F(Hdf5Probe, AnEndlessProbeIsStoppedAtTheLimit) {
    const auto start = std::chrono::steady_clock::now();
    expect_input_error(
        [&] {
            hdf5::probe_in_child(path_, "list", "its layers", [] {
                for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(10));
            });
        },
        {"did not finish reading its layers in 1 s"});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_GE(seconds, 1.0);   // waited for the limit, no more than needed to stop the child
}

TEST_F(Hdf5Probe, AFinishedOrRefusingProbeLetsTheReadGoOn) {
    EXPECT_NO_THROW(hdf5::probe_in_child(path_, "a", "a", [] {}));
    EXPECT_NO_THROW(hdf5::probe_in_child(path_, "b", "b", [] { throw InputError("the real read says why"); }));
    EXPECT_NO_THROW(hdf5::probe_in_child(path_, "c", "c", [] { throw std::bad_alloc(); }));
}

TEST_F(Hdf5Probe, APassedRequestIsNotProbedAgainUntilTheFileChanges) {
    hdf5::probe_in_child(path_, "list", "its layers", [] {});
    // Not run again: the same request on the same version of the file has passed.
    EXPECT_NO_THROW(hdf5::probe_in_child(path_, "list", "its layers", [] { raise(SIGSEGV); }));
    // Another request on it is.
    EXPECT_THROW(hdf5::probe_in_child(path_, "layer q", "layer 'q'", [] { raise(SIGSEGV); }), InputError);
    // A refused request is not remembered as passed.
    hdf5::probe_in_child(path_, "inputs q", "q", [] { throw InputError("no"); });
    EXPECT_THROW(hdf5::probe_in_child(path_, "inputs q", "q", [] { raise(SIGSEGV); }), InputError);
    // A new version of the file (other size) is probed again.
    std::ofstream(path_, std::ios::app) << " and more";
    EXPECT_THROW(hdf5::probe_in_child(path_, "list", "its layers", [] { raise(SIGSEGV); }), InputError);
}

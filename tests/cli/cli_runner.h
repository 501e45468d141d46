#pragma once
// Runs the real layerlens-cli binary with a command line and collects its exit code, stdout and
// stderr; shared by the CLI test files.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "hdf5_fixtures.h"

namespace layerlens::test {

struct Outcome {
    int exit_code = -1;
    bool signalled = false;
    std::string out, err;
};

// Each test's own scratch folder: CTest runs the tests of this binary as parallel processes, so
// no two may share a file name.
inline std::string test_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string dir = std::string(LAYERLENS_TEST_TMP) + "/cli/" +
                            (info ? std::string(info->test_suite_name()) + "." + info->name() : std::string("no-test"));
    std::filesystem::create_directories(dir);
    return dir;
}

inline Outcome run_cli(const std::string& arguments) {
    const std::string err_file = test_dir() + "/stderr." + std::to_string(getpid()) + ".txt";
    const std::string command = std::string(LAYERLENS_CLI) + " " + arguments + " 2>" + err_file;
    Outcome outcome;
    FILE* pipe = popen(command.c_str(), "r");
    std::array<char, 4096> buffer;
    size_t n;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) outcome.out.append(buffer.data(), n);
    const int status = pclose(pipe);
    outcome.signalled = WIFSIGNALED(status);
    outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    outcome.err = layerlens::test::read_bytes(err_file);
    return outcome;
}

inline std::string data(const std::string& file) { return std::string(LAYERLENS_SHARED_DATA) + "/" + file; }
inline bool have_data() { return std::filesystem::exists(data("stories260K_layers.h5")); }
inline std::string tmp(const std::string& name) { return test_dir() + "/" + name; }

inline void expect_failure(const Outcome& o, int code, std::initializer_list<std::string> parts) {
    EXPECT_FALSE(o.signalled);
    EXPECT_EQ(o.exit_code, code) << o.err;
    for (const auto& part : parts) EXPECT_NE(o.err.find(part), std::string::npos) << "'" << part << "' not in: " << o.err;
}

}  // namespace layerlens::test

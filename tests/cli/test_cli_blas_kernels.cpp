// The CLI runs its products on the kernels the processor supports, as a user starts it (without
// OPENBLAS_CORETYPE): Debian's OpenBLAS 0.3.21 falls back to SSE3 "Prescott" kernels on
// processors newer than it, and the CLI restarts itself with the family it should have chosen
// (core/threads.h). bench says which kernels ran.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <strings.h>

#include <cstdio>
#include <set>
#include <string>

#include "cli_runner.h"

using namespace layerlens::test;

namespace {
std::string bench_kernels_as_a_user_starts_it() {
    const std::string command = "env -u OPENBLAS_CORETYPE -u OMP_WAIT_POLICY " + std::string(LAYERLENS_CLI) +
                                " bench --shapes 32x64 --tokens 128 --methods rtn --json --quiet";
    FILE* pipe = popen(command.c_str(), "r");
    std::string out;
    char buffer[4096];
    for (size_t n; pipe && (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
    EXPECT_EQ(pipe ? pclose(pipe) : -1, 0) << command;
    const QJsonArray rows = QJsonDocument::fromJson(QByteArray::fromStdString(out)).array();
    EXPECT_FALSE(rows.isEmpty()) << out;
    std::set<std::string> kernels;
    for (const auto& row : rows) kernels.insert(row.toObject()["blas_kernels"].toString().toStdString());
    EXPECT_EQ(kernels.size(), 1u) << "one process, one kernel family";
    return kernels.empty() ? std::string() : *kernels.begin();
}

bool one_of(const std::string& name, std::initializer_list<const char*> names) {
    for (const char* n : names)
        if (strcasecmp(name.c_str(), n) == 0) return true;
    return false;
}
}  // namespace

TEST(CliBlasKernels, TheProcessorsKernelFamilyRunsWithoutBeingAskedFor) {
    const std::string kernels = bench_kernels_as_a_user_starts_it();
    ASSERT_FALSE(kernels.empty());
    __builtin_cpu_init();
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (avx512) EXPECT_TRUE(one_of(kernels, {"SkylakeX", "Cooperlake", "SapphireRapids"})) << kernels;
    else if (avx2) EXPECT_FALSE(one_of(kernels, {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Sandybridge", "Atom"})) << kernels;
    else GTEST_SKIP() << "a processor without AVX2 keeps OpenBLAS's own choice (" << kernels << ")";
}

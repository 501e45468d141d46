// The core and command-line suites' main: the test process runs with the runtime settings the
// programs give themselves (core/threads.h), so that its products use the same BLAS kernels as the
// layerlens-cli it starts and the numbers of the two can be compared bit for bit.
#include <gtest/gtest.h>

#include "threads.h"

int main(int argc, char** argv) {
    layerlens::restart_with_runtime_settings(argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}

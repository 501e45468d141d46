// Progress of long commands on stderr (issue 16, part 2), seen as a user sees it: through a
// pseudo-terminal, the line is redrawn in place (carriage returns, bar, stage, time); into a
// file, one plain line per finished stage; with --quiet, nothing at all.
#include <gtest/gtest.h>

#include <fstream>

#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <regex>
#include <string>
#include <vector>

#include "cli_runner.h"

using namespace layerlens::test;

namespace {

// Runs layerlens-cli with stderr (and stdin) on a new pseudo-terminal and stdout on /dev/null;
// returns what the terminal received and the exit code.
std::pair<std::string, int> run_on_terminal(const std::vector<std::string>& arguments) {
    winsize size{};
    size.ws_row = 24;
    size.ws_col = 200;   // wide enough that no line is cut
    int master = -1;
    const pid_t pid = forkpty(&master, nullptr, nullptr, &size);
    if (pid < 0) return {"forkpty failed", -1};
    if (pid == 0) {
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        std::vector<char*> argv;
        std::string cli = LAYERLENS_CLI;
        argv.push_back(cli.data());
        std::vector<std::string> copy = arguments;
        for (std::string& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(cli.c_str(), argv.data());
        _exit(127);
    }
    std::string seen;
    char buffer[4096];
    for (;;) {
        const ssize_t n = read(master, buffer, sizeof buffer);
        if (n > 0) seen.append(buffer, static_cast<size_t>(n));
        else if (n < 0 && errno == EINTR) continue;
        else break;   // EIO once the child has closed its side
    }
    close(master);
    int status = 0;
    waitpid(pid, &status, 0);
    return {seen, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

size_t count(const std::string& text, const std::string& part) {
    size_t n = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

const std::vector<std::string> kCompare = {"compare", "--demo", "--demo-shape", "128x256", "--demo-tokens", "512",
                                           "--methods", "rtn,gptq,awp", "--iters", "50"};

}  // namespace

TEST(CliProgress, OnATerminalTheLineIsRedrawnInPlace) {
    const auto [seen, code] = run_on_terminal(kCompare);
    ASSERT_EQ(code, 0) << seen;
    // Every job has its line, each drawn by carriage return, then ended by a newline (the
    // terminal turns it into \r\n).
    for (const char* job : {"\rcompare statistics [", "\rcompare rtn 1/3 [", "\rcompare gptq 2/3 [", "\rcompare awp 3/3 ["})
        EXPECT_NE(seen.find(job), std::string::npos) << job << " not in: " << seen;
    // AWP reports every iteration: its line is drawn more than once, in place.
    EXPECT_GE(count(seen, "\rcompare awp 3/3 ["), 2u) << seen;
    EXPECT_NE(seen.find("100% AWP done"), std::string::npos) << seen;
    EXPECT_TRUE(std::regex_search(seen, std::regex(R"(\] +[0-9]+% .* [0-9]+\.[0-9] s)"))) << "elapsed time: " << seen;
    EXPECT_EQ(seen.find(" done in "), std::string::npos) << "the log lines are for files: " << seen;
}

TEST(CliProgress, QuietOnATerminalPrintsNothing) {
    std::vector<std::string> arguments = kCompare;
    arguments.push_back("--quiet");
    const auto [seen, code] = run_on_terminal(arguments);
    ASSERT_EQ(code, 0) << seen;
    EXPECT_EQ(seen, "");
}

TEST(CliProgress, IntoAFileOnePlainLinePerFinishedStage) {
    std::string command;
    for (const std::string& a : kCompare) command += a + " ";
    const Outcome o = run_cli(command);
    ASSERT_EQ(o.exit_code, 0) << o.err;
    EXPECT_EQ(o.err.find('\r'), std::string::npos) << o.err;
    EXPECT_TRUE(std::regex_search(o.err, std::regex("^compare: statistics done in [0-9.]+ s\ncompare: rtn 1/3 done in [0-9.]+ s\n"
                                                    "compare: gptq 2/3 done in [0-9.]+ s\ncompare: awp 3/3 done in [0-9.]+ s\n$")))
        << o.err;

    const Outcome quiet = run_cli(command + "--quiet");
    ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
    EXPECT_EQ(quiet.err, "");
}

TEST(CliProgress, EveryLongCommandTakesQuiet) {
    const Outcome bench = run_cli("bench --shapes 32x64 --tokens 128 --methods rtn,wanda");
    ASSERT_EQ(bench.exit_code, 0) << bench.err;
    EXPECT_NE(bench.err.find("bench: 32x64 statistics done in"), std::string::npos) << bench.err;
    EXPECT_NE(bench.err.find("bench: 32x64 wanda done in"), std::string::npos) << bench.err;
    for (const char* command : {"bench --shapes 32x64 --tokens 128 --methods rtn --quiet",
                                "run --demo --demo-shape 32x64 --demo-tokens 128 --method rtn --quiet",
                                "sweep --demo --demo-shape 32x64 --demo-tokens 128 --methods magnitude --sparsities 0.5,0.6 --quiet"}) {
        const Outcome o = run_cli(command);
        EXPECT_EQ(o.exit_code, 0) << command << ": " << o.err;
        EXPECT_EQ(o.err, "") << command;
    }
    const Outcome sweep = run_cli("sweep --demo --demo-shape 32x64 --demo-tokens 128 --methods magnitude --sparsities 0.5,0.6");
    EXPECT_NE(sweep.err.find("sweep: magnitude 2/2 done in"), std::string::npos) << sweep.err;
    const Outcome help = run_cli("eval-model --help");
    EXPECT_NE(help.out.find("--quiet"), std::string::npos);
}

// A failed load is not a finished stage: the error is the only line, never after a "done".
TEST(CliProgress, AFailedLoadPrintsTheErrorAndNoFinishedStage) {
    const std::string broken = tmp("broken.npy");
    std::ofstream(broken, std::ios::binary) << "\x93NUMPY\x01\x00";
    const Outcome o = run_cli("run " + broken + " --method rtn");
    EXPECT_EQ(o.exit_code, 1) << o.err;
    EXPECT_EQ(o.err.find("done"), std::string::npos) << o.err;
    EXPECT_EQ(o.err.rfind("layerlens-cli: error: ", 0), 0u) << o.err;
}

// sweep-model's bar: the layer (k of n) and method in the stage, and the time left.
TEST(CliProgress, SweepModelShowsLayerMethodAndTimeLeftOnATerminal) {
    if (!have_data()) GTEST_SKIP() << "no shared data";
    const std::string out = tmp("sweep.jsonl");
    const auto [seen, code] = run_on_terminal({"sweep-model", data("stories260K_layers.h5"), "--methods", "rtn,awp",
                                               "--preset", "paper", "--iters", "2000", "--out", out, "--force"});
    ASSERT_EQ(code, 0) << seen;
    EXPECT_NE(seen.find("\rsweep-model ["), std::string::npos) << seen;
    EXPECT_TRUE(std::regex_search(seen, std::regex(R"(layer [0-9]+/35 layers\.[0-9]\.[a-z_]+\.w[a-z0-9]+: (rtn|awp))")))
        << seen;
    EXPECT_NE(seen.find(" left"), std::string::npos) << "an estimate of the time left: " << seen;
    const Outcome log = run_cli("sweep-model " + data("stories260K_layers.h5") + " --methods rtn --out " + out + " --force");
    EXPECT_EQ(log.err.find('\r'), std::string::npos) << log.err;
    EXPECT_NE(log.err.find("sweep-model: 35 rows computed; wrote"), std::string::npos) << log.err;
}

// The Teach tab's lessons on a layer: AWQ's and GPTQ's error split by input channel (the split
// sums to each method's E, the groups cover every channel once, busiest first), and the
// calibration lesson (an honest set finds the loud channels, a shuffled one does not and costs
// AWQ more on the real traffic).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "calibration_stats.h"
#include "demo_layer.h"
#include "input_source.h"
#include "layer_source.h"
#include "method_registry.h"
#include "progress.h"
#include "teach/calibration_lesson.h"
#include "teach/channel_error_lesson.h"

namespace layerlens::teach {
namespace {

TEST(TeachChannelErrorLesson, GroupsCoverEveryChannelOnceBusiestFirst) {
    for (int d_in : {1, 2, 7, 40, 41, 100, 257, 4096}) {
        for (int max_groups : {2, 3, 40}) {
            SCOPED_TRACE("d_in " + std::to_string(d_in) + ", groups " + std::to_string(max_groups));
            const int busiest = std::max(1, d_in / 100);
            const std::vector<ChannelGroup> groups = group_channels(d_in, busiest, max_groups);
            ASSERT_FALSE(groups.empty());
            EXPECT_LE(static_cast<int>(groups.size()), std::max(2, max_groups));
            int next = 0, marked = 0, smallest = d_in, largest = 0;
            for (size_t g = 0; g < groups.size(); ++g) {
                EXPECT_EQ(groups[g].first, next);
                EXPECT_GT(groups[g].count, 0);
                next += groups[g].count;
                if (groups[g].busiest) marked += groups[g].count;
                else smallest = std::min(smallest, groups[g].count), largest = std::max(largest, groups[g].count);
            }
            EXPECT_EQ(next, d_in);
            EXPECT_EQ(marked, busiest);
            EXPECT_TRUE(groups.front().busiest);
            if (largest > 0) {
                EXPECT_LE(largest - smallest, 1);
            }
        }
    }
}

TEST(TeachChannelErrorLesson, SplitSumsToEachMethodsError) {
    DemoSpec spec;
    spec.d_out = 48;
    spec.d_in = 256;
    spec.n_tokens = 512;
    const DemoLayer demo = make_demo_layer(spec);
    Progress quiet;
    const CalibrationStats stats = accumulate_statistics(MatrixInputSource(demo.X), quiet);
    const ChannelErrorLesson lesson = compare_channel_errors(demo.layer, stats, {"awq", "gptq"}, {}, 40, quiet);
    ASSERT_EQ(lesson.methods.size(), 2u);
    EXPECT_EQ(lesson.methods[0].label, "AWQ");
    EXPECT_EQ(lesson.methods[1].label, "GPTQ");
    EXPECT_EQ(lesson.budget, "INT4 g128");
    EXPECT_EQ(lesson.busiest, 2);
    for (size_t r = 1; r < lesson.order.size(); ++r)
        EXPECT_GE(stats.mean_abs[lesson.order[r - 1]], stats.mean_abs[lesson.order[r]]);
    EXPECT_EQ(std::set<int>(lesson.order.begin(), lesson.order.end()).size(), 256u);
    for (const MethodChannelError& method : lesson.methods) {
        SCOPED_TRACE(method.method);
        // The same E as the method reports from a fresh run.
        Progress again;
        const MethodResult result = run_method(find_method(method.method), demo.layer, stats, {}, again);
        EXPECT_NEAR(method.E, result.relative_output_error, 1e-9 + 1e-6 * method.E);
        EXPECT_NEAR(method.per_channel.sum(), method.E, 1e-6 * method.E);
        double grouped = 0.0, busiest = 0.0;
        for (size_t g = 0; g < lesson.groups.size(); ++g) grouped += method.group_mean[g] * lesson.groups[g].count;
        for (int r = 0; r < lesson.busiest; ++r) busiest += method.per_channel[lesson.order[static_cast<size_t>(r)]];
        EXPECT_NEAR(grouped, method.E, 1e-6 * method.E);
        EXPECT_NEAR(method.busiest_share, busiest / method.E, 1e-9);
    }
}

TEST(TeachChannelErrorLesson, RealLayerSplitSumsToEachMethodsError) {
    const std::string path = std::string(LAYERLENS_SHARED_DATA) + "/stories260K_layers.h5";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is not there";
    LayerSource source;
    source.path = path;
    source.layer = "layers.3.feed_forward.w2";
    Progress quiet;
    const LoadedLayer loaded = load_layer(source, quiet);
    CompressionParams params;
    params.bits = 3;
    const ChannelErrorLesson lesson = compare_channel_errors(loaded.layer, loaded.stats, {"awq", "gptq"}, params, 40, quiet);
    EXPECT_EQ(lesson.groups.size(), 40u);
    EXPECT_EQ(lesson.budget, "INT3 g128");
    for (const MethodChannelError& method : lesson.methods) {
        SCOPED_TRACE(method.method);
        EXPECT_GT(method.E, 0.0);
        EXPECT_NEAR(method.per_channel.sum(), method.E, 1e-6 * method.E);
        double grouped = 0.0;
        for (size_t g = 0; g < lesson.groups.size(); ++g) grouped += method.group_mean[g] * lesson.groups[g].count;
        EXPECT_NEAR(grouped, method.E, 1e-6 * method.E);
    }
}

TEST(TeachCalibrationLesson, ShuffledChannelsAreAPermutation) {
    const MatrixF X = MatrixF::Random(5, 9);
    const MatrixF shuffled = shuffle_channels(X, 4);
    std::set<int> used;
    for (Eigen::Index j = 0; j < X.cols(); ++j)
        for (Eigen::Index source = 0; source < X.cols(); ++source)
            if (shuffled.col(j) == X.col(source)) used.insert(static_cast<int>(source));
    EXPECT_EQ(used.size(), 9u);
    EXPECT_EQ(shuffle_channels(X, 4), shuffled) << "seeded: the same shuffle every time";
}

TEST(TeachCalibrationLesson, FakeTrafficProtectsTheWrongChannels) {
    CalibrationLessonSpec spec;
    spec.demo = {64, 128, 1024};
    spec.kind = CalibrationKind::Honest;
    Progress quiet;
    const CalibrationLesson honest = run_calibration_lesson(spec, quiet);
    spec.kind = CalibrationKind::ShuffledChannels;
    const CalibrationLesson shuffled = run_calibration_lesson(spec, quiet);
    spec.kind = CalibrationKind::OtherTraffic;
    const CalibrationLesson other = run_calibration_lesson(spec, quiet);

    // The top set is as large as the demo's set of loud channels, and the served traffic finds them.
    std::vector<int> served_top = honest.check.top_b;
    std::sort(served_top.begin(), served_top.end());
    EXPECT_EQ(served_top, honest.loud_channels);
    EXPECT_EQ(honest.check.overlap, 1.0);
    EXPECT_LT(shuffled.check.overlap, 0.5);
    EXPECT_LT(other.check.overlap, 0.5);
    ASSERT_EQ(honest.check.methods.size(), 2u);
    ASSERT_EQ(shuffled.check.methods.size(), 2u);
    EXPECT_EQ(honest.check.methods[0].method, "awq");
    EXPECT_EQ(honest.check.methods[1].method, "gptq");
    for (size_t m = 0; m < 2; ++m) {
        SCOPED_TRACE(honest.check.methods[m].method);
        EXPECT_GT(shuffled.check.methods[m].penalty, honest.check.methods[m].penalty);
        EXPECT_GT(shuffled.check.methods[m].penalty, 0.1);
    }
    EXPECT_EQ(honest.calibration_traffic.size(), 128);
    EXPECT_EQ(shuffled.served_traffic, honest.served_traffic);
}

}  // namespace
}  // namespace layerlens::teach

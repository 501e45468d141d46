#pragma once
// "GPTQ matches the outputs; AWQ protects the busy channels" (the AWQ lesson, section 4), shown
// by what each method did to the layer: the share of its output error E that lands on each input
// channel (OutputError::breakdown().per_channel, which sums to E), with the channels in order of
// falling traffic a_j. Channels are grouped so that thousands of them make a picture of a few
// dozen bars: the busiest 1% (as the GUI rings them) form the first group, the rest equal groups.
#include <string>
#include <vector>

#include "../compression_params.h"
#include "../layer.h"

namespace layerlens {
struct CalibrationStats;
class Progress;
}  // namespace layerlens

namespace layerlens::teach {

struct ChannelGroup {
    int first = 0;          // rank of its first channel in ChannelErrorLesson::order
    int count = 0;
    bool busiest = false;   // the group of the busiest 1%
};

struct MethodChannelError {
    std::string method, label;    // "awq", "AWQ"
    double E = 0.0;
    VectorD per_channel;          // channel j's share of E (may be slightly negative: cross terms)
    std::vector<double> group_mean;   // per group, the mean share of one of its channels
    double busiest_share = 0.0;   // fraction of E on the busiest 1% of channels
};

struct ChannelErrorLesson {
    std::string budget;           // "INT4 g128"
    std::vector<int> order;       // every channel, by falling a_j (ties to the lower index)
    int busiest = 0;              // order[0 .. busiest) are the busiest 1% (at least one)
    double busiest_traffic_share = 0.0;   // their share of Σ a_j
    std::vector<ChannelGroup> groups;
    std::vector<MethodChannelError> methods;
};

// Runs each method (through the registry) on the layer at `params` and splits its E by channel.
// At most max_groups groups (at least 2); one channel per group when d_in allows.
ChannelErrorLesson compare_channel_errors(const Layer& layer, const CalibrationStats& stats,
                                          const std::vector<std::string>& methods, const CompressionParams& params,
                                          int max_groups, Progress& progress);

// The grouping alone: the busiest `busiest` ranks first, the other d_in − busiest ranks in equal
// groups (sizes differ by at most one).
std::vector<ChannelGroup> group_channels(int d_in, int busiest, int max_groups);

}  // namespace layerlens::teach

#include "channel_error_lesson.h"

#include <algorithm>
#include <numeric>

#include "../calibration_stats.h"
#include "../method_registry.h"
#include "../model/model_eval_plan.h"
#include "../output_error.h"
#include "../progress.h"

namespace layerlens::teach {

std::vector<ChannelGroup> group_channels(int d_in, int busiest, int max_groups) {
    std::vector<ChannelGroup> groups;
    if (d_in <= 0) return groups;
    busiest = std::clamp(busiest, 1, d_in);
    max_groups = std::max(2, max_groups);
    if (d_in <= max_groups) {   // room for every channel on its own
        for (int r = 0; r < d_in; ++r) groups.push_back({r, 1, r < busiest});
        return groups;
    }
    groups.push_back({0, busiest, true});
    const int rest = d_in - busiest;
    const int count = std::min(rest, max_groups - 1);
    for (int g = 0; g < count; ++g) {
        const int begin = busiest + static_cast<int>(static_cast<long long>(rest) * g / count);
        const int end = busiest + static_cast<int>(static_cast<long long>(rest) * (g + 1) / count);
        groups.push_back({begin, end - begin, false});
    }
    return groups;
}

ChannelErrorLesson compare_channel_errors(const Layer& layer, const CalibrationStats& stats,
                                          const std::vector<std::string>& methods, const CompressionParams& params,
                                          int max_groups, Progress& progress) {
    ChannelErrorLesson lesson;
    const VectorD& a = stats.mean_abs;
    const int d_in = static_cast<int>(layer.d_in());
    lesson.order.resize(static_cast<size_t>(d_in));
    std::iota(lesson.order.begin(), lesson.order.end(), 0);
    std::stable_sort(lesson.order.begin(), lesson.order.end(), [&](int x, int y) { return a[x] > a[y]; });
    // The same "busiest 1%, at least one" the Compare tab rings (ui/view_data.cpp).
    lesson.busiest = std::max(1, d_in / 100);
    lesson.groups = group_channels(d_in, lesson.busiest, max_groups);
    const double traffic = a.sum();
    double busiest_traffic = 0.0;
    for (int r = 0; r < std::min(lesson.busiest, d_in); ++r) busiest_traffic += a[lesson.order[static_cast<size_t>(r)]];
    lesson.busiest_traffic_share = traffic > 0 ? busiest_traffic / traffic : 0.0;
    if (!methods.empty()) lesson.budget = budget_label(methods.front(), params);

    const OutputError judge(layer.W, stats);
    for (size_t m = 0; m < methods.size(); ++m) {
        const MethodInfo& info = find_method(methods[m]);
        const double begin = static_cast<double>(m) / methods.size(), end = static_cast<double>(m + 1) / methods.size();
        SubProgress part(progress, begin, end);
        const MethodResult result = run_method(info, layer, stats, params, part, judge);
        progress.check();
        const ErrorBreakdown breakdown = judge.breakdown(result.W_hat);
        MethodChannelError error;
        error.method = info.name;
        error.label = info.label;
        error.E = breakdown.E;
        error.per_channel = breakdown.per_channel;
        for (const ChannelGroup& group : lesson.groups) {
            double sum = 0.0;
            for (int r = group.first; r < group.first + group.count; ++r) sum += error.per_channel[lesson.order[static_cast<size_t>(r)]];
            error.group_mean.push_back(group.count ? sum / group.count : 0.0);
            if (group.busiest) error.busiest_share += breakdown.E > 0 ? sum / breakdown.E : 0.0;
        }
        lesson.methods.push_back(std::move(error));
        progress.report(end, "splitting E by channel");
    }
    return lesson;
}

}  // namespace layerlens::teach

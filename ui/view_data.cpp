#include "view_data.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "progress.h"

namespace layerlens::ui {

namespace {

std::string percent(double fraction) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", 100.0 * fraction);
    return text;
}

void setRange(ChannelProtection& p) {
    if (p.values.empty()) return;
    const auto [lo, hi] = std::minmax_element(p.values.begin(), p.values.end());
    p.lo = *lo;
    p.hi = *hi > *lo ? *hi : *lo + 1.0;
}

// Marks the top `count` channels by value (the ones a reader's eye should land on).
void markTop(ChannelProtection& p, size_t count) {
    std::vector<int> order(p.values.size());
    std::iota(order.begin(), order.end(), 0);
    count = std::min(count, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), order.end(),
                      [&](int a, int b) { return p.values[a] > p.values[b]; });
    p.marked.assign(p.values.size(), 0);
    for (size_t k = 0; k < count; ++k) p.marked[static_cast<size_t>(order[k])] = 1;
}

}  // namespace

LayerViewData buildLayerViewData(std::shared_ptr<const LoadedLayer> loaded) {
    LayerViewData data;
    const MatrixF& W = loaded->layer.W;
    const VectorD& a = loaded->stats.mean_abs;
    const Eigen::Index dIn = W.cols();
    data.channelWeight.resize(static_cast<size_t>(dIn));
    data.channelContribution.resize(static_cast<size_t>(dIn));
    for (Eigen::Index j = 0; j < dIn; ++j) {
        const double w = W.rows() ? static_cast<double>(W.col(j).cwiseAbs().sum()) / static_cast<double>(W.rows()) : 0.0;
        data.channelWeight[static_cast<size_t>(j)] = w;
        data.channelContribution[static_cast<size_t>(j)] = w * a[j];
    }
    std::vector<int> order(static_cast<size_t>(dIn));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int x, int y) { return a[x] > a[y]; });
    order.resize(std::max<size_t>(1, static_cast<size_t>(dIn) / 100));
    data.busiestChannels = order;
    data.loaded = std::move(loaded);
    return data;
}

bool MethodViewData::isKept(Eigen::Index i, Eigen::Index j) const {
    if (result->kept_mask.size() > 0) return result->kept_mask(i, j) != 0;
    return result->W_hat(i, j) != 0.0f || loaded->layer.W(i, j) == 0.0f;
}

namespace {

// The top 1% (at least one) of the channels: what a reader's eye should land on.
size_t topCount(size_t n) { return std::max<size_t>(1, n / 100); }

ChannelProtection scaleProtection(const MethodResult& result, size_t n) {
    ChannelProtection p;
    p.label = "AWQ scale s_j";
    p.shortLabel = "scale s_j";
    p.values.assign(result.channel_scales.data(), result.channel_scales.data() + n);
    setRange(p);
    markTop(p, topCount(n));
    p.summary = "s_j from " + std::to_string(p.lo).substr(0, 5) + " to " + std::to_string(p.hi).substr(0, 5);
    return p;
}

ChannelProtection protectedChannels(const MethodResult& result, size_t n) {
    ChannelProtection p;
    p.label = "protected channels";
    p.shortLabel = "protected";
    p.values.assign(n, 0.0);
    p.marked.assign(n, 0);
    for (int j : result.protected_channels)
        if (j >= 0 && static_cast<size_t>(j) < n) p.values[static_cast<size_t>(j)] = 1.0, p.marked[static_cast<size_t>(j)] = 1;
    p.lo = 0.0;
    p.hi = 1.0;
    p.summary = std::to_string(result.protected_channels.size()) + " of " + std::to_string(n);
    return p;
}

ChannelProtection keptFraction(const MethodResult& result, const MatrixF& W) {
    const size_t n = static_cast<size_t>(W.cols());
    ChannelProtection p;
    p.label = "kept fraction per channel";
    p.shortLabel = "kept";
    p.values.resize(n);
    long long kept = 0;
    for (Eigen::Index j = 0; j < W.cols(); ++j) {
        const auto k = result.kept_mask.col(j).cast<long long>().sum();
        kept += k;
        p.values[static_cast<size_t>(j)] = W.rows() ? static_cast<double>(k) / static_cast<double>(W.rows()) : 0.0;
    }
    // Colour between the least and the most kept channel, so a pruner that strips the busy
    // channels (magnitude) and one that spares them (Wanda) look different at a glance.
    setRange(p);
    markTop(p, topCount(n));
    p.summary = "kept " + percent(static_cast<double>(kept) / static_cast<double>(W.size())) + " of the weights";
    return p;
}

ChannelProtection reportedSeries(const std::string& name, const std::vector<double>& series) {
    ChannelProtection p;
    p.label = name;
    p.shortLabel = name;
    p.values = series;
    setRange(p);
    markTop(p, topCount(series.size()));
    p.summary = name;
    return p;
}

ChannelProtection errorPerChannel(const MatrixF& W, const MatrixF& W_hat, const VectorF& norm) {
    const size_t n = static_cast<size_t>(W.cols());
    ChannelProtection p;
    p.label = "error per channel";
    p.shortLabel = "error";
    p.values.resize(n);
    for (Eigen::Index j = 0; j < W.cols(); ++j)
        p.values[static_cast<size_t>(j)] = W.rows() ? static_cast<double>((W.col(j) - W_hat.col(j)).cwiseAbs().sum()) *
                                                          static_cast<double>(norm[j]) / static_cast<double>(W.rows())
                                                    : 0.0;
    setRange(p);
    p.lo = 0.0;
    markTop(p, topCount(n));
    p.higherIsProtected = false;
    p.summary = "mean_i |W_ij − Ŵ_ij|·‖X_j‖";
    return p;
}

}  // namespace

MethodViewData buildMethodViewData(std::shared_ptr<const LoadedLayer> loaded,
                                   std::shared_ptr<const MethodResult> result, Progress& progress) {
    MethodViewData data;
    data.loaded = loaded;
    data.result = result;
    const MatrixF& W = loaded->layer.W;
    const MatrixF& W_hat = result->W_hat;
    const VectorF a = loaded->stats.mean_abs.cast<float>();
    const VectorF norm = loaded->stats.norm.cast<float>();
    data.salience = MaxPyramid({&W_hat, nullptr, a}, progress);
    data.wanda = MaxPyramid({&W_hat, nullptr, norm}, progress);
    data.error = MaxPyramid({&W, &W_hat, norm}, progress);

    // Protected channels, when a method names them, are the most telling view: first.
    const size_t n = static_cast<size_t>(W.cols());
    if (!result->protected_channels.empty()) data.protections.push_back(protectedChannels(*result, n));
    if (result->channel_scales.size() == W.cols()) data.protections.push_back(scaleProtection(*result, n));
    if (result->kept_mask.size() == W.size()) data.protections.push_back(keptFraction(*result, W));
    // Any per-channel series a method reports (e.g. what AWP changed from its start) is shown
    // as it is, so a new method's channel story needs no code here.
    for (const auto& [name, series] : result->series)
        if (series.size() == n) data.protections.push_back(reportedSeries(name, series));
    data.protections.push_back(errorPerChannel(W, W_hat, norm));
    return data;
}

}  // namespace layerlens::ui

#include "sweep_budget.h"

#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include "model/model_eval_plan.h"

namespace layerlens::ui {

namespace {

// One part of a label: a sparsity ("50%", "2:4") or a grid ("INT4 g128", "INT3 per row").
bool readPart(const QString& part, CompressionParams& params) {
    static const QRegularExpression percent("^(\\d+(?:\\.\\d+)?)%$");
    static const QRegularExpression grid("^INT(\\d+) (?:g(\\d+)|(per row))$");
    if (const auto m = percent.match(part); m.hasMatch()) {
        params.sparsity = m.captured(1).toDouble() / 100.0;
        return true;
    }
    if (const auto nm = parse_nm(part.toStdString())) {
        params.nm = *nm;
        return true;
    }
    if (const auto m = grid.match(part); m.hasMatch()) {
        params.bits = m.captured(1).toInt();
        // budget_label writes the automatic group as g128, the default a sweep runs with.
        const int group = m.captured(3).isEmpty() ? m.captured(2).toInt() : 0;
        params.group_size = group == 128 ? kAutoGroupSize : group;
        return true;
    }
    return false;
}

}  // namespace

std::optional<CompressionParams> budgetFromLabel(const std::string& method, const std::string& label) {
    static const QRegularExpression lowRank("^params (\\d+(?:\\.\\d+)?)%$");
    CompressionParams params;
    const QString text = QString::fromStdString(label);
    if (const auto m = lowRank.match(text); m.hasMatch()) {
        params.param_ratio = m.captured(1).toDouble() / 100.0;
    } else {
        for (const QString& part : text.split(" + "))
            if (!readPart(part, params)) return std::nullopt;
    }
    try {
        if (budget_label(method, params) != label) return std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;   // an unknown method
    }
    return params;
}

}  // namespace layerlens::ui

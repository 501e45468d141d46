#pragma once
// A method's display label ("Wanda → AWQ") from its registry name; the name itself when the
// registry does not know it (a result from an older run, a test).
#include <QString>
#include <string>

#include "method_registry.h"

namespace layerlens::ui {

inline QString methodLabel(const std::string& name) {
    for (const MethodInfo& info : all_methods())
        if (info.name == name) return QString::fromStdString(info.label);
    return QString::fromStdString(name);
}

}  // namespace layerlens::ui

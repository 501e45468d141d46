// `layerlens-cli methods`: the registry, so scripts never hard-code the list.
#include <QJsonArray>
#include <QJsonObject>
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "method_registry.h"
#include "result_format.h"

namespace layerlens::cli {

int run_methods(const Options& options) {
    if (options.names_only) {
        const auto names = method_names();
        for (size_t k = 0; k < names.size(); ++k) std::printf("%s%s", k ? "," : "", names[k].c_str());
        std::printf("\n");
        return 0;
    }
    QJsonArray array;
    for (const MethodInfo& m : all_methods()) {
        if (options.json) {
            QJsonObject o;
            o.insert("name", QString::fromStdString(m.name));
            o.insert("label", QString::fromStdString(m.label));
            o.insert("description", QString::fromStdString(m.description));
            array.append(o);
        } else {
            std::printf("%-12s %s\n", m.name.c_str(), m.description.c_str());
        }
    }
    if (options.json) std::cout << to_json_text(array);
    return 0;
}

}  // namespace layerlens::cli

#include "result_field_data.h"

#include <limits>

#include "method_label.h"

namespace layerlens::ui {

QVariant resultFieldData(const ResultField& field, const MethodResult* result, const std::string& method, int role) {
    const bool isMethod = field.key == "method";
    const bool numeric = field.number != nullptr;
    switch (role) {
    case Qt::DisplayRole:
        if (isMethod) return methodLabel(method);   // "Wanda → AWQ" where people read; exports keep the name
        return result ? QString::fromStdString(field.display(*result)) : QString();
    case Qt::UserRole:
        if (isMethod) return methodLabel(method);
        if (!numeric) return result ? QString::fromStdString(field.display(*result)) : QString();
        return result ? field.number(*result) : std::numeric_limits<double>::infinity();
    case Qt::ToolTipRole:
        if (isMethod) return QString::fromStdString(method);
        return result ? QVariant(QString::fromStdString(field.value(*result))) : QVariant();
    case Qt::TextAlignmentRole: return numeric ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter)) : QVariant();
    default: return {};
    }
}

}  // namespace layerlens::ui

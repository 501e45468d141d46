#pragma once
// What one result field (core/result_format.h) shows in a Qt table cell, for every table of
// results (the metrics table, the sweep table): the field's display text, the registry's label
// for the method, the exact value as tooltip, numbers sorting as numbers (Qt::UserRole) and
// aligned right. A row without a result sorts last.
#include <QVariant>
#include <string>

#include "result_format.h"

namespace layerlens::ui {

QVariant resultFieldData(const ResultField& field, const MethodResult* result, const std::string& method, int role);

}  // namespace layerlens::ui

#pragma once
// How results leave the CLI: one JSON object per run (the contract scripts rely on), CSV rows,
// and a plain table for people.
#include <QJsonObject>
#include <string>
#include <vector>

#include "method.h"

namespace layerlens::cli {

QJsonObject result_to_json(const std::string& layer, const MethodResult& result);
std::string results_to_csv(const std::string& layer, const std::vector<MethodResult>& results);
std::string results_to_table(const std::vector<MethodResult>& results);
std::string to_json_text(const QJsonValue& value);
// A budget summary for tables ("4b g128", "50%", "2:4", "rank 10").
std::string budget_text(const MethodResult& result);

}  // namespace layerlens::cli

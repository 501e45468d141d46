#pragma once
// The JSON value of a result, for code that embeds it in a larger document (the CLI's arrays,
// sweep-model rows). Kept apart from result_format.h so that only those files parse nlohmann.
#include <nlohmann/json.hpp>
#include <string>

#include "method.h"

namespace layerlens {

nlohmann::json result_to_json(const std::string& layer, const MethodResult& result);
nlohmann::json to_json(const ParamValue& value);
// {"name": value, ...}: the "params" object of a layer result and of a model evaluation row.
nlohmann::json to_json(const KeyValues& values);
// Indented as every JSON the product writes (4 spaces), newline-terminated.
std::string json_text(const nlohmann::json& value);

}  // namespace layerlens

#pragma once
// Every method the product offers, by CLI name, in display order.
#include <string>
#include <vector>

#include "method.h"

namespace layerlens {

const std::vector<MethodInfo>& all_methods();
// Throws ParameterError listing the known names when `name` is not one of them.
const MethodInfo& find_method(const std::string& name);
std::vector<std::string> method_names();

}  // namespace layerlens

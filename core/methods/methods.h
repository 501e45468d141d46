#pragma once
// One factory per method file; the registry (method_registry.cpp) lists them in display order.
#include "../method.h"

namespace layerlens {

MethodInfo rtn_method();
MethodInfo magnitude_method();

}  // namespace layerlens

#pragma once
// One factory per method file; the registry (method_registry.cpp) lists them in display order.
#include "../method.h"

namespace layerlens {

MethodInfo rtn_method();
MethodInfo awq_method();
MethodInfo awq_keep_method();
MethodInfo gptq_method();
MethodInfo magnitude_method();
MethodInfo wanda_method();
MethodInfo sparsegpt_method();
MethodInfo awp_method();
MethodInfo wanda_awq_method();
MethodInfo awq_wanda_method();
MethodInfo svd_method();
MethodInfo asvd_method();

}  // namespace layerlens

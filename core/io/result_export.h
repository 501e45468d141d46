#pragma once
// Writes a method's Ŵ (with its kept mask, channel scales and low-rank factors) as a layer
// group in the input format, atomically. Shared by the CLI's --export and the GUI's Export.
#include <string>

#include "../layer.h"
#include "../method.h"

namespace layerlens {

void export_result(const std::string& path, const Layer& layer, const MethodResult& result, bool overwrite);

}  // namespace layerlens

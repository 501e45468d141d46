#pragma once
// How layer names read to a person: checkpoint tensors are named by module path
// ("model.layers.3.mlp.down_proj.weight"); a layer is named without the ".weight", listed in
// natural order (layers.2 before layers.10) and grouped by its block ("model.layers.3").
#include <string>

namespace layerlens {

// "model.layers.3.mlp.down_proj.weight" -> "model.layers.3.mlp.down_proj"; other names unchanged.
std::string layer_name_of_tensor(const std::string& tensor);
// Compares runs of digits by value, the rest byte by byte.
bool natural_less(const std::string& a, const std::string& b);
// The name up to and including its first numeric component ("model.layers.3", "layers.0",
// "transformer.h.11"), or "" when the name has none (an embedding, a classifier).
std::string layer_block(const std::string& name);
// Why `name` cannot name a layer, or "": empty, "." or "..", or holding a control character (a
// NUL would cut it in two in HDF5, a newline or an escape would break a table or a terminal).
std::string layer_name_problem(const std::string& name);
// The name with control characters written as \xNN, for a message.
std::string printable_name(const std::string& name);

}  // namespace layerlens

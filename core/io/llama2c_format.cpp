#include "llama2c_format.h"

#include "llama2c_checkpoint.h"

namespace layerlens {

bool Llama2cFormat::recognizes(const FileHead& head) const {
    return is_llama2c_versioned_export(head.bytes) || plausible_llama2c_config(head.bytes).has_value();
}

TensorTable Llama2cFormat::load_table(const std::string& path) const { return read_llama2c_checkpoint(path).table; }

}  // namespace layerlens

#pragma once
// llama2.c checkpoints (legacy version 0, see llama2c_checkpoint.h) as a layer format: the
// linear layers layers.N.attention.wq ... layers.N.feed_forward.w3 and output, by those names.
#include "tensor_table_format.h"

namespace layerlens {

class Llama2cFormat : public TensorTableFormat {
public:
    std::string name() const override { return "llama2.c"; }
    std::vector<std::string> extensions() const override { return {"bin"}; }
    // A plausible header (there are no magic bytes) or a newer export's magic, to refuse it by name.
    bool recognizes(const FileHead& head) const override;

protected:
    TensorTable load_table(const std::string& path) const override;
};

}  // namespace layerlens

#pragma once
// Which compressed models an evaluation builds: the methods and budgets the user lists, or one
// of the AWP paper's three table shapes —
//   pruning:      magnitude, Wanda, SparseGPT, AWP at 50, 60, 70, 80, 90% unstructured;
//   quantization: RTN, AWQ, GPTQ, AWP at INT4 g128;
//   joint:        AWP, Wanda+AWQ, AWQ+Wanda at 25, 50, 75% + INT4 g128.
#include <string>
#include <vector>

#include "../compression_params.h"
#include "../name_table.h"

namespace layerlens {

enum class ModelTable { Pruning, Quantization, Joint };
const NameTable<ModelTable>& model_table_names();   // "pruning", "quantization", "joint"

struct ModelEvalPoint {
    std::string method;
    CompressionParams params;
    std::string budget;   // the table's column: "50%", "2:4", "INT4 g128", "50% + INT4 g128"
};

// The table's points with `base` for every setting the table does not fix (AWP's iterations…).
std::vector<ModelEvalPoint> table_points(ModelTable table, const CompressionParams& base);
// Each method at `base`, or at each of `sparsities` when given (as `sweep --sparsities` plans
// it: a method without a sparsity budget is skipped). ParameterError for an unknown method.
std::vector<ModelEvalPoint> method_points(const std::vector<std::string>& methods, const CompressionParams& base,
                                          const std::vector<double>& sparsities = {});
// "50%", "INT4 g128", "50% + INT4 g128", "2:4", "rank 0.25": what a point's budget is, for a method.
std::string budget_label(const std::string& method, const CompressionParams& params);

}  // namespace layerlens

// The CLI's table of results: one column per result field at the field's own width, so a field
// added later cannot index past a list of widths (it once did, and printed megabytes of spaces).
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "result_format.h"

using namespace layerlens;

TEST(ResultTable, EveryFieldHasAColumnAndALineStaysNarrow) {
    MethodResult awp;
    awp.method = "awp";
    awp.params = {{"sparsity", 0.5}, {"pattern", std::string("unstructured")}, {"preset", std::string("best")},
                  {"init", std::string("sparsegpt")}, {"mask_scope", std::string("layer")}};
    awp.relative_output_error = 0.0585;
    awp.sparsity = 0.5;
    awp.bits_per_weight = 16;
    awp.seconds = 0.25;
    MethodResult rtn;
    rtn.method = "rtn";
    rtn.params = {{"bits", 4LL}, {"group_size_used", 128LL}};
    const std::string table = results_to_table({awp, rtn});
    std::istringstream lines(table);
    std::string header, first, second;
    std::getline(lines, header);
    std::getline(lines, first);
    std::getline(lines, second);
    for (const ResultField& field : result_fields()) {
        EXPECT_NE(header.find(field.header), std::string::npos) << field.header;
        EXPECT_NE(field.table_width, 0) << field.key << " has no table width";
    }
    EXPECT_NE(first.find("best from sparsegpt, layer budget"), std::string::npos) << first;
    EXPECT_NE(second.find("W4 g128"), std::string::npos) << second;
    size_t width = 0;
    for (const ResultField& field : result_fields()) width += static_cast<size_t>(std::abs(field.table_width)) + 1;
    for (const std::string* line : {&header, &first, &second}) EXPECT_LE(line->size(), width) << *line;
    EXPECT_EQ(header.size(), first.size());   // aligned columns
}

// Aligned text columns for meshctl's human output (like kubectl's): headers in capitals, cells
// padded to the widest in their column, three spaces between columns, no trailing blanks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace meshlet::meshctl {

using row = std::vector<std::string>;

// Every row padded column by column; a short row leaves its last columns out.
std::string align(const std::vector<row>& rows);

// A cell as the server sent it, made safe for one line: control bytes become '?', an empty
// string becomes "-" (so a column never looks shifted).
std::string cell(std::string_view text);

} // namespace meshlet::meshctl

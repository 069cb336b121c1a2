// SQL LIKE matching: '%' any run of characters, '_' one character (a UTF-8
// code point), an optional escape character; ILIKE folds ASCII case.
#pragma once

#include <optional>
#include <string_view>

namespace trailhound {

bool LikeMatch(std::string_view text, std::string_view pattern, std::optional<char> escape,
               bool case_insensitive);

}  // namespace trailhound

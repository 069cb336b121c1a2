// The binder: turns parsed files into a RuleSet. Resolves field names against
// the CloudTrail schema (case-insensitive, Athena aliases), inlines views
// (rejecting cycles), resolves lists (inline and FROM FILE, relative to the
// rule file), compiles regexes, CIDRs and time zones, checks functions, and
// warns about runbook mistakes (unknown fields, non-date eventTime literals,
// duplicate IN items, conditions that can never be true). Every problem is a
// diagnostic; nothing is thrown.
#pragma once

#include <vector>

#include "core/bound_rule.h"
#include "dsl/ast.h"
#include "dsl/diagnostics.h"

namespace trailhound {

// Binds all files together: views, lists and rules are visible across files.
RuleSet Bind(const std::vector<ParsedFile>& files, Diagnostics& diagnostics);

}  // namespace trailhound

// `trailhound test [PATH…]`: runs the rules' own sample-event tests.
//
// Every rule file `x.sql` has its tests beside it in `x.test.ndjson`: one
// CloudTrail record per line, each carrying its expectation in a top-level
// key the engine ignores, `"_expect": "fire"` or `"_expect": "no_fire"` (or,
// for a file that defines several rules, an object naming them:
// `"_expect": {"rule_a": "fire", "rule_b": "no_fire"}`). Each record is
// evaluated with the reference interpreter; a rule passes when every record
// meets its expectation and the compiled engine (what `run` uses) agrees. Coverage: a rule without a test file, or without at
// least one "fire" and one "no_fire" record, fails; so does a rule set with
// errors (an unreadable list file is TH1008) and a test file whose rule file
// is gone. A failure prints the record, expected vs actual, and the program
// trace: each condition of the WHERE with its value (TRUE/FALSE/NULL).
#pragma once

namespace trailhound {

// argv excludes "trailhound test". Exit status: 0 all green, 1 a failure or
// rule-set errors, 2 bad usage.
int TestCommand(int argc, char** argv);

}  // namespace trailhound

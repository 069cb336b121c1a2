// A small command-line reader for the subcommands: --flag VALUE, --flag=VALUE,
// repeated flags, boolean switches and positional arguments, with errors
// that name the offending argument.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace trailhound {

class CommandLine {
 public:
  // `value_flags` take a value; `switches` do not. Anything else starting
  // with "--" is an error; "-" alone is positional (stdin). A one-letter
  // value flag is written with one dash: -X VALUE or -XVALUE.
  CommandLine(int argc, char** argv, std::set<std::string> value_flags,
              std::set<std::string> switches);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool Has(const std::string& flag) const { return values_.count(flag) > 0; }
  // The last value given for `flag`, or `fallback`.
  std::string Get(const std::string& flag, const std::string& fallback = "") const;
  const std::vector<std::string>& GetAll(const std::string& flag) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
  std::string error_;
};

// Parses a non-negative integer flag value; false on garbage.
bool ParseCount(const std::string& text, uint64_t& out);

// True when --help or -h is among the arguments.
bool WantsHelp(int argc, char** argv);

// Prints "trailhound: MESSAGE", a blank line and the command's usage on
// stderr; returns 2, the exit status of bad usage.
int UsageError(const std::string& message, const char* usage);

}  // namespace trailhound

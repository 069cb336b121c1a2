#include "cli/command_line.h"

#include <charconv>
#include <cstdio>
#include <cstring>

namespace trailhound {

CommandLine::CommandLine(int argc, char** argv, std::set<std::string> value_flags,
                         std::set<std::string> switches) {
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    // -X VALUE or -XVALUE: a one-letter flag (as kcat's -X key=value).
    if (arg.size() >= 2 && arg[0] == '-' && arg[1] != '-' && value_flags.count(arg.substr(1, 1))) {
      std::string name = arg.substr(1, 1);
      if (arg.size() > 2) {
        values_[name].push_back(arg.substr(2));
      } else if (i + 1 < argc) {
        values_[name].push_back(argv[++i]);
      } else {
        error_ = "-" + name + " needs a value";
        return;
      }
      continue;
    }
    if (arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
      positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      for (++i; i < argc; ++i) positional_.push_back(argv[i]);
      break;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_inline_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_inline_value = true;
    }
    if (switches.count(name)) {
      values_[name].push_back("true");
    } else if (value_flags.count(name)) {
      if (!has_inline_value) {
        if (i + 1 >= argc) {
          error_ = "--" + name + " needs a value";
          return;
        }
        value = argv[++i];
      }
      values_[name].push_back(value);
    } else {
      error_ = "unknown option --" + name;
      return;
    }
  }
}

std::string CommandLine::Get(const std::string& flag, const std::string& fallback) const {
  auto it = values_.find(flag);
  return it == values_.end() ? fallback : it->second.back();
}

const std::vector<std::string>& CommandLine::GetAll(const std::string& flag) const {
  static const std::vector<std::string> kEmpty;
  auto it = values_.find(flag);
  return it == values_.end() ? kEmpty : it->second;
}

bool ParseCount(const std::string& text, uint64_t& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

bool WantsHelp(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) return true;
  }
  return false;
}

int UsageError(const std::string& message, const char* usage) {
  std::fprintf(stderr, "trailhound: %s\n\n%s", message.c_str(), usage);
  return 2;
}

}  // namespace trailhound

#include "core/state_store.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"

namespace trailhound {

std::string DirectoryStateStore::PathOf(const std::string& stream_id) const {
  std::string name = "files";
  if (!stream_id.empty()) {
    name = "kafka-";
    for (unsigned char c : stream_id) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
        name.push_back(static_cast<char>(c));
      } else {
        char escaped[4];
        std::snprintf(escaped, sizeof escaped, "%%%02X", c);
        name += escaped;
      }
    }
  }
  return (std::filesystem::path(dir_) / (name + ".state")).string();
}

std::string DirectoryStateStore::Describe(const std::string& stream_id) const {
  return "state file " + PathOf(stream_id);
}

absl::StatusOr<std::optional<std::string>> DirectoryStateStore::Read(const std::string& stream_id) {
  std::string path = PathOf(stream_id);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::optional<std::string>();
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in && !in.eof()) return absl::UnavailableError("cannot read " + Describe(stream_id));
  return std::optional<std::string>(buffer.str());
}

absl::Status DirectoryStateStore::Write(const std::string& stream_id, std::string_view bytes) {
  std::error_code error;
  std::filesystem::create_directories(dir_, error);
  if (error) return absl::UnavailableError("cannot create --state-dir " + dir_ + ": " + error.message());
  return WriteFileAtomically("state file", PathOf(stream_id), bytes);
}

}  // namespace trailhound

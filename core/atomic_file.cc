#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace trailhound {
namespace {

absl::Status WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, "write");
    text.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFileAtomically(std::string_view label, const std::string& path, std::string_view text) {
  const std::string temp = path + ".tmp";
  auto fail = [&](const std::string& what, int error) {
    unlink(temp.c_str());
    return absl::ErrnoToStatus(error, absl::StrCat(std::string(label), " ", path, ": ", what));
  };
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(absl::StrCat("cannot create ", temp), errno);
  absl::Status written = WriteAll(fd, text);
  if (!written.ok()) {
    close(fd);
    unlink(temp.c_str());
    return absl::Status(written.code(),
                        absl::StrCat(std::string(label), " ", path, ": ", std::string(written.message())));
  }
  if (fsync(fd) != 0) {
    int error = errno;
    close(fd);
    return fail("fsync", error);
  }
  if (close(fd) != 0) return fail("close", errno);
  if (rename(temp.c_str(), path.c_str()) != 0) return fail("rename", errno);
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return fail("cannot open its directory to fsync it", errno);
  int synced = fsync(dir_fd);
  int error = errno;
  close(dir_fd);
  if (synced != 0) return fail("fsync of its directory", error);
  return absl::OkStatus();
}

}  // namespace trailhound

#include "connectors/follow_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "connectors/record_stream.h"
#include "core/atomic_file.h"

namespace trailhound {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// What identifies a version of a file: a file whose size or mtime differs
// from the version that was read is read again.
struct Signature {
  int64_t size = -1;
  int64_t mtime_ns = 0;
  bool operator==(const Signature&) const = default;
};

Signature SignatureOf(const struct stat& st) {
  return Signature{static_cast<int64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

int64_t WallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The checkpoint's identity of a file: its absolute, lexically normal path
// (so that `dir` and `./dir` name the same file across runs).
std::string KeyOf(const std::string& path) {
  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  if (error) return path;
  return absolute.lexically_normal().string();
}

// `text` split at every `separator`, at most `max_pieces` pieces (the last
// one holds the rest). (This abseil's string_view is not std::string_view.)
std::vector<std::string_view> Split(std::string_view text, char separator,
                                    size_t max_pieces = SIZE_MAX) {
  std::vector<std::string_view> pieces;
  while (pieces.size() + 1 < max_pieces) {
    size_t at = text.find(separator);
    if (at == std::string_view::npos) break;
    pieces.push_back(text.substr(0, at));
    text.remove_prefix(at + 1);
  }
  pieces.push_back(text);
  return pieces;
}

absl::string_view ToAbsl(std::string_view text) { return {text.data(), text.size()}; }

// Whether `path`, listed below the directory `input`, is a writer's
// temporary: a dot-file, anything under a dot-directory, *.tmp, *.partial.
bool IsTemporary(const std::string& input, const std::string& path) {
  std::string_view relative(path);
  if (relative.starts_with(input)) relative.remove_prefix(input.size());
  for (std::string_view component : Split(relative, '/')) {
    if (component.starts_with('.')) return true;
  }
  return relative.ends_with(".tmp") || relative.ends_with(".partial");
}

// Whether `path` is `dir` or below it (both canonical as far as they exist).
bool IsWithin(const fs::path& path, const fs::path& dir) {
  std::error_code error;
  fs::path p = fs::weakly_canonical(path, error);
  if (error) return false;
  fs::path d = fs::weakly_canonical(dir, error);
  if (error) return false;
  auto [dir_end, path_at] = std::mismatch(d.begin(), d.end(), p.begin(), p.end());
  // A trailing empty component ("dir/") matches anything.
  return dir_end == d.end() || (std::next(dir_end) == d.end() && dir_end->empty());
}

// --- checkpoint file ---
//
//   trailhound-checkpoint 1
//   done <size> <mtime_ns> <C-escaped absolute path>
//   ...
//   end <number of done lines>

constexpr char kCheckpointHeader[] = "trailhound-checkpoint 1";

struct DoneFile {
  std::string key;
  Signature signature;
};

absl::Status ReadWholeFile(const std::string& path, std::string& text) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot read checkpoint ", path));
  char buffer[64 << 10];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      close(fd);
      return absl::ErrnoToStatus(saved, absl::StrCat("cannot read checkpoint ", path));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return absl::OkStatus();
}

// Parses a checkpoint; a missing file is an empty one (the first run).
absl::Status LoadCheckpoint(const std::string& path, std::vector<DoneFile>& done) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT) return absl::OkStatus();
  std::string text;
  absl::Status read = ReadWholeFile(path, text);
  if (!read.ok()) return read;
  size_t line_number = 0;
  auto corrupt = [&](const std::string& why) {
    return absl::DataLossError(absl::StrCat(
        "checkpoint ", path, " is corrupt (line ", line_number, ": ", why,
        "); fix or delete it (deleting it means every input is read again)"));
  };
  std::vector<std::string_view> lines = Split(text, '\n');
  // A complete file ends with a newline: the last piece is empty.
  if (lines.size() < 3 || !lines.back().empty()) {
    line_number = lines.size();
    return corrupt("truncated: no \"end\" line");
  }
  lines.pop_back();
  line_number = 1;
  if (lines[0] != kCheckpointHeader) {
    return corrupt(absl::StrCat("expected \"", kCheckpointHeader, "\""));
  }
  for (line_number = 2; line_number < lines.size(); ++line_number) {
    std::vector<std::string_view> fields = Split(lines[line_number - 1], ' ', 4);
    DoneFile file;
    std::string error;
    if (fields.size() != 4 || fields[0] != "done" ||
        !absl::SimpleAtoi(ToAbsl(fields[1]), &file.signature.size) || file.signature.size < 0 ||
        !absl::SimpleAtoi(ToAbsl(fields[2]), &file.signature.mtime_ns) ||
        !absl::CUnescape(ToAbsl(fields[3]), &file.key, &error) || !file.key.starts_with('/')) {
      return corrupt("expected \"done <size> <mtime_ns> <absolute path>\"");
    }
    done.push_back(std::move(file));
  }
  std::vector<std::string_view> end = Split(lines.back(), ' ');
  size_t count = 0;
  if (end.size() != 2 || end[0] != "end" || !absl::SimpleAtoi(ToAbsl(end[1]), &count) ||
      count != done.size()) {
    return corrupt(absl::StrCat("expected \"end ", done.size(), "\""));
  }
  return absl::OkStatus();
}

// --- the source ---

enum class FileState {
  kSettling,  // seen, waiting for its size and mtime to stay unchanged
  kQueued,    // settled, waiting to be read
  kReading,   // the current file
  kDone,      // every record returned (recorded at the next Commit)
  kFailed,    // could not be opened; tried again once it changes
};

struct TrackedFile {
  std::string path;      // as listed (positions name it); empty until listed
  int input_index = -1;  // which input listed it first
  FileState state = FileState::kSettling;
  Signature signature;   // last seen
  Clock::time_point signature_since;  // when `signature` was first seen
  Signature read_signature;  // kDone, kFailed: the version read (or tried)
  bool listed = false;   // in the latest listing
};

class FollowSource : public RecordSource {
 public:
  FollowSource(std::vector<std::string> inputs, const SourceOptions& options,
               const FollowOptions& follow, DeadLetterSink& dead_letters)
      : inputs_(std::move(inputs)),
        options_(options),
        follow_(follow),
        dead_letters_(dead_letters),
        input_errors_(inputs_.size()) {}

  // Loads the checkpoint and lists the inputs.
  absl::Status Start() {
    if (!follow_.checkpoint_path.empty()) {
      std::vector<DoneFile> done;
      absl::Status loaded = LoadCheckpoint(follow_.checkpoint_path, done);
      if (!loaded.ok()) return loaded;
      for (DoneFile& file : done) {
        TrackedFile& tracked = files_[std::move(file.key)];
        tracked.state = FileState::kDone;
        tracked.read_signature = file.signature;
      }
    }
    next_scan_ = Clock::now() + follow_.poll_interval;
    return Scan(/*strict=*/true);
  }

  absl::StatusOr<bool> Next(RawRecord& record) override {
    std::optional<Clock::time_point> idle_since;
    while (true) {
      if (current_ != nullptr) {
        if (current_->Next(record)) return true;
        current_.reset();
        files_[current_key_].state = FileState::kDone;
        dirty_ = true;
        continue;
      }
      if (!queue_.empty()) {
        absl::Status opened = OpenNext();
        if (!opened.ok()) return opened;
        continue;
      }
      if (!follow_.watch) return false;
      Clock::time_point now = Clock::now();
      if (!idle_since) idle_since = now;
      if (now >= next_scan_) {
        next_scan_ = now + follow_.poll_interval;
        absl::Status scanned = Scan(/*strict=*/false);
        if (!scanned.ok()) return scanned;
        if (!queue_.empty()) continue;
      }
      Clock::time_point give_up = *idle_since + follow_.poll_interval;
      if (now >= give_up) return false;
      std::this_thread::sleep_until(std::min(next_scan_, give_up));
    }
  }

  bool Live() const override { return follow_.watch; }

  absl::Status Commit(bool final) override {
    (void)final;  // every commit is synchronous
    if (follow_.checkpoint_path.empty() || !dirty_) return absl::OkStatus();
    std::string text = absl::StrCat(kCheckpointHeader, "\n");
    size_t count = 0;
    for (const auto& [key, file] : files_) {
      if (file.state != FileState::kDone) continue;
      absl::StrAppend(&text, "done ", file.read_signature.size, " ", file.read_signature.mtime_ns,
                      " ", absl::CEscape(key), "\n");
      ++count;
    }
    absl::StrAppend(&text, "end ", count, "\n");
    absl::Status written = WriteFileAtomically("checkpoint", follow_.checkpoint_path, text);
    if (written.ok()) dirty_ = false;
    return written;
  }

  std::string StatusText() override {
    size_t done = 0, pending = 0, failed = 0;
    for (const auto& [key, file] : files_) {
      switch (file.state) {
        case FileState::kDone:
          ++done;
          break;
        case FileState::kFailed:
          ++failed;
          break;
        default:
          ++pending;
          break;
      }
    }
    std::string text = absl::StrCat("files: ", done, " done, ", pending, " pending");
    if (failed > 0) absl::StrAppend(&text, ", ", failed, " unreadable");
    return text;
  }

 private:
  // Lists the inputs: notes new and changed files, forgets vanished ones and
  // queues those that settled. An input that cannot be listed keeps what was
  // known of its files; its error is returned once (every time with
  // `strict`), the other inputs are scanned all the same.
  absl::Status Scan(bool strict) {
    const Clock::time_point now = Clock::now();
    const int64_t wall_now_ns = WallNowNs();
    absl::Status result;
    std::vector<bool> unlisted(inputs_.size(), false);
    std::vector<std::pair<int, std::string>> listed;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const std::string& input = inputs_[i];
      absl::Status status;
      struct stat st;
      std::vector<std::string> paths;
      if (stat(input.c_str(), &st) != 0) {
        status = absl::ErrnoToStatus(errno, absl::StrCat("cannot access input ", input));
      } else if (S_ISDIR(st.st_mode)) {
        status = ListRegularFiles(input, paths);
        for (std::string& path : paths) {
          if (!IsTemporary(input, path)) listed.emplace_back(static_cast<int>(i), std::move(path));
        }
      } else {
        listed.emplace_back(static_cast<int>(i), input);
      }
      if (status.ok()) {
        input_errors_[i].clear();
        continue;
      }
      unlisted[i] = true;
      std::string message = status.ToString();
      if ((strict || message != input_errors_[i]) && result.ok()) result = status;
      input_errors_[i] = std::move(message);
    }

    for (auto& [key, file] : files_) file.listed = false;
    for (auto& [input_index, path] : listed) {
      struct stat st;
      if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;  // vanished
      Signature signature = SignatureOf(st);
      auto [it, inserted] = files_.try_emplace(KeyOf(path));
      TrackedFile& file = it->second;
      if (file.listed) continue;  // also below an earlier input
      file.listed = true;
      if (file.path.empty()) {
        file.path = std::move(path);
        file.input_index = input_index;
      }
      if (inserted) {
        file.signature = signature;
        file.signature_since = now;
        continue;
      }
      switch (file.state) {
        case FileState::kDone:
        case FileState::kFailed:
          if (signature == file.read_signature) break;
          if (file.state == FileState::kDone) dirty_ = true;
          file.state = FileState::kSettling;
          file.signature = signature;
          file.signature_since = now;
          break;
        case FileState::kSettling:
          if (signature == file.signature) break;
          file.signature = signature;
          file.signature_since = now;
          break;
        case FileState::kQueued:
        case FileState::kReading:
          break;
      }
    }

    // Forget vanished files (the checkpoint stays as large as the inputs),
    // except the one being read and those of inputs that could not be listed.
    bool any_unlisted = std::find(unlisted.begin(), unlisted.end(), true) != unlisted.end();
    std::vector<std::tuple<int, std::string, std::string>> ready;
    for (auto it = files_.begin(); it != files_.end();) {
      TrackedFile& file = it->second;
      bool keep = file.listed || file.state == FileState::kReading ||
                  (file.input_index < 0 ? any_unlisted : unlisted[file.input_index]);
      if (!keep) {
        if (file.state == FileState::kDone) dirty_ = true;
        it = files_.erase(it);
        continue;
      }
      if (file.state == FileState::kSettling && file.listed && Settled(file, now, wall_now_ns)) {
        ready.emplace_back(file.input_index, file.path, it->first);
      }
      ++it;
    }
    std::sort(ready.begin(), ready.end());
    for (auto& [input_index, path, key] : ready) {
      files_[key].state = FileState::kQueued;
      queue_.push_back(std::move(key));
    }
    return result;
  }

  // Whether the file may be read: its size and mtime have not changed for
  // the settle time, by our own observation or by its mtime.
  bool Settled(const TrackedFile& file, Clock::time_point now, int64_t wall_now_ns) const {
    if (!follow_.watch) return true;
    const auto settle = std::chrono::duration_cast<std::chrono::nanoseconds>(follow_.settle);
    return now - file.signature_since >= settle ||
           wall_now_ns - file.signature.mtime_ns >= settle.count();
  }

  // Opens the next queued file as the current stream.
  absl::Status OpenNext() {
    std::string key = std::move(queue_.front());
    queue_.pop_front();
    auto it = files_.find(key);
    if (it == files_.end() || it->second.state != FileState::kQueued) return absl::OkStatus();
    TrackedFile& file = it->second;
    int fd = open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
      int error = errno;
      if (fd >= 0) close(fd);
      file.state = FileState::kFailed;
      file.read_signature = file.signature;
      return absl::ErrnoToStatus(error, absl::StrCat("cannot open ", file.path));
    }
    file.state = FileState::kReading;
    file.read_signature = SignatureOf(st);
    current_key_ = std::move(key);
    current_ = OpenRecordStream(file.path, fd, true, options_, dead_letters_, parsers_);
    return absl::OkStatus();
  }

  const std::vector<std::string> inputs_;
  const SourceOptions options_;
  const FollowOptions follow_;
  DeadLetterSink& dead_letters_;
  FramingParsers parsers_;
  std::map<std::string, TrackedFile> files_;  // by KeyOf(path)
  std::deque<std::string> queue_;             // keys of kQueued files, in reading order
  std::unique_ptr<RecordStream> current_;
  std::string current_key_;
  bool dirty_ = false;  // the checkpoint is behind files_
  Clock::time_point next_scan_;
  std::vector<std::string> input_errors_;  // the last listing error of each input
};

}  // namespace

absl::StatusOr<std::unique_ptr<RecordSource>> OpenFollowedInputs(
    const std::vector<std::string>& inputs, const SourceOptions& options,
    const FollowOptions& follow, DeadLetterSink& dead_letters) {
  if (inputs.empty()) {
    return absl::InvalidArgumentError("--follow and --checkpoint need files or directories");
  }
  for (const std::string& input : inputs) {
    if (input == "-") {
      return absl::InvalidArgumentError("--follow and --checkpoint cannot read stdin");
    }
    absl::StatusOr<fs::file_status> status = StatInput(input);
    if (!status.ok()) return status.status();
    if (fs::is_directory(*status)) {
      if (!follow.checkpoint_path.empty() && IsWithin(follow.checkpoint_path, input)) {
        return absl::InvalidArgumentError(
            absl::StrCat("checkpoint ", follow.checkpoint_path, " is inside the input directory ",
                         input, ": it would be read as input"));
      }
    } else if (!fs::is_regular_file(*status)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--follow and --checkpoint read regular files and directories: ", input));
    }
  }
  if (!follow.checkpoint_path.empty()) {
    fs::path dir = fs::path(follow.checkpoint_path).parent_path();
    std::error_code error;
    if (!dir.empty() && !fs::is_directory(dir, error)) {
      return absl::NotFoundError(absl::StrCat("checkpoint directory not found: ", dir.string()));
    }
  }
  auto source = std::make_unique<FollowSource>(inputs, options, follow, dead_letters);
  absl::Status started = source->Start();
  if (!started.ok()) return started;
  return source;
}

}  // namespace trailhound

// NDJSON sinks for alerts and dead letters, writing to stdout or a file.
// Dead letters carry reason, detail, position and the raw bytes (as a JSON
// string when they are valid UTF-8, else base64 in "raw_base64").
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/alert.h"
#include "core/dead_letter.h"

namespace trailhound {

// Owns a FILE* (or borrows stdout for path "-"); buffered, flushed on Flush()
// and destruction.
class NdjsonWriter {
 public:
  static absl::StatusOr<std::unique_ptr<NdjsonWriter>> Open(const std::string& path);
  ~NdjsonWriter();
  void WriteLine(std::string_view line);
  void Flush();
  // True once a write or flush failed (disk full, closed pipe, …).
  bool failed() const { return std::ferror(file_) != 0; }

 private:
  explicit NdjsonWriter(FILE* file, bool owned) : file_(file), owned_(owned) {}
  FILE* file_;
  bool owned_;
  std::unique_ptr<char[]> buffer_;  // stdio buffer of an owned file
};

class NdjsonAlertSink : public AlertSink {
 public:
  explicit NdjsonAlertSink(std::unique_ptr<NdjsonWriter> writer) : writer_(std::move(writer)) {}
  void Write(const Alert& alert) override;
  void Flush() override { writer_->Flush(); }
  bool failed() const { return writer_->failed(); }

 private:
  std::unique_ptr<NdjsonWriter> writer_;
};

// Counts every letter; writes them when it has a writer (no --dead-letter
// given: counted and summarised only, with the first few reasons on stderr).
class NdjsonDeadLetterSink : public DeadLetterSink {
 public:
  explicit NdjsonDeadLetterSink(std::unique_ptr<NdjsonWriter> writer) : writer_(std::move(writer)) {}
  void Write(const DeadLetter& letter) override;
  void Flush() { if (writer_) writer_->Flush(); }
  bool failed() const { return writer_ && writer_->failed(); }
  uint64_t count() const { return count_; }

  // The NDJSON line for one letter (no newline).
  static std::string ToJson(const DeadLetter& letter);

 private:
  // Describes the letter on stderr while few have been seen (no writer).
  void Describe(const DeadLetter& letter);

  std::unique_ptr<NdjsonWriter> writer_;
  uint64_t count_ = 0;
};

}  // namespace trailhound

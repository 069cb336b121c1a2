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
// and destruction. `append` keeps what the file holds (a run resuming from a
// checkpoint or Kafka offsets must not erase the alerts of the last one); a
// torn last line (the last run was killed mid-write) is ended first.
class NdjsonWriter {
 public:
  static absl::StatusOr<std::unique_ptr<NdjsonWriter>> Open(const std::string& path, bool append = false);
  ~NdjsonWriter();
  void WriteLine(std::string_view line);
  // Hands the buffer to the kernel; an error (disk full, closed pipe, …)
  // names the path, and stays: every later Flush fails too.
  absl::Status Flush();

 private:
  NdjsonWriter(FILE* file, bool owned, std::string path) : file_(file), owned_(owned), path_(std::move(path)) {}
  FILE* file_;
  bool owned_;
  std::string path_;
  std::unique_ptr<char[]> buffer_;  // stdio buffer of an owned file
};

class NdjsonAlertSink : public AlertSink {
 public:
  explicit NdjsonAlertSink(std::unique_ptr<NdjsonWriter> writer) : writer_(std::move(writer)) {}
  void Write(const Alert& alert) override;
  absl::Status Flush() override { return writer_->Flush(); }

 private:
  std::unique_ptr<NdjsonWriter> writer_;
  std::string line_;  // reused: no allocation per alert
};

// Counts every letter; writes them when it has a writer (no --dead-letter
// given: counted and summarised only, with the first few reasons on stderr).
class NdjsonDeadLetterSink : public DeadLetterSink {
 public:
  explicit NdjsonDeadLetterSink(std::unique_ptr<NdjsonWriter> writer) : writer_(std::move(writer)) {}
  void Write(const DeadLetter& letter) override;
  absl::Status Flush() override { return writer_ ? writer_->Flush() : absl::OkStatus(); }
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

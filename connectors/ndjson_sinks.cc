#include "connectors/ndjson_sinks.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/json_text.h"

namespace trailhound {
namespace {

constexpr size_t kBufferBytes = 1 << 20;
constexpr uint64_t kDescribedLetters = 10;

// True when the file at `path` is not empty and its last byte is not '\n'.
bool EndsMidLine(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  bool mid_line = std::fseek(file, -1, SEEK_END) == 0 && std::fgetc(file) != '\n';
  std::fclose(file);
  return mid_line;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NdjsonWriter>> NdjsonWriter::Open(const std::string& path, bool append) {
  if (path == "-") {
    // stdout outlives every writer, so its buffer must too; set it only once,
    // before anything is written.
    static char stdout_buffer[kBufferBytes];
    static bool stdout_buffered = false;
    if (!stdout_buffered) {
      setvbuf(stdout, stdout_buffer, _IOFBF, kBufferBytes);
      stdout_buffered = true;
    }
    return std::unique_ptr<NdjsonWriter>(new NdjsonWriter(stdout, false, "stdout"));
  }
  FILE* file = std::fopen(path.c_str(), append ? "a" : "w");
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path, " for writing"));
  }
  std::unique_ptr<NdjsonWriter> writer(new NdjsonWriter(file, true, path));
  writer->buffer_ = std::make_unique<char[]>(kBufferBytes);
  setvbuf(file, writer->buffer_.get(), _IOFBF, kBufferBytes);
  if (append && EndsMidLine(path)) {
    // A run killed mid-write left a torn last line: end it, so that it stays
    // one bad line instead of swallowing the first line written now.
    std::fputc('\n', file);
  }
  return writer;
}

NdjsonWriter::~NdjsonWriter() {
  if (owned_) {
    std::fclose(file_);
  } else {
    (void)Flush();  // stdout: whoever cares about errors flushed before
  }
}

void NdjsonWriter::WriteLine(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fputc('\n', file_);
}

absl::Status NdjsonWriter::Flush() {
  if (std::fflush(file_) != 0 || std::ferror(file_) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("writing ", path_, " failed"));
  }
  return absl::OkStatus();
}

void NdjsonAlertSink::Write(const Alert& alert) {
  line_.clear();
  alert.AppendJson(line_);
  writer_->WriteLine(line_);
}

std::string NdjsonDeadLetterSink::ToJson(const DeadLetter& letter) {
  std::string out = "{\"reason\":";
  AppendJsonString(out, letter.reason);
  out += ",\"detail\":";
  AppendJsonString(out, letter.detail);
  out += ",\"source\":";
  letter.position.AppendJson(out);
  if (IsValidUtf8(letter.raw)) {
    out += ",\"raw\":";
    AppendJsonString(out, letter.raw);
  } else {
    out += ",\"raw_base64\":\"";
    out += Base64Encode(letter.raw);
    out += "\"";
  }
  if (letter.raw_truncated) out += ",\"raw_truncated\":true";
  out += "}";
  return out;
}

void NdjsonDeadLetterSink::Write(const DeadLetter& letter) {
  ++count_;
  if (writer_ != nullptr) {
    writer_->WriteLine(ToJson(letter));
  } else {
    Describe(letter);
  }
}

void NdjsonDeadLetterSink::Describe(const DeadLetter& letter) {
  std::string text;
  if (count_ <= kDescribedLetters) {
    const SourcePosition& position = letter.position;
    std::string where = position.line != 0 ? absl::StrCat(position.line)
                                           : absl::StrCat("record ", position.record_index);
    text = absl::StrCat("trailhound: dead letter: ", std::string(letter.reason), " at ",
                        position.file, ":", where, ": ", letter.detail, "\n");
  } else if (count_ == kDescribedLetters + 1) {
    text = "trailhound: further dead letters are only counted (--dead-letter FILE keeps them)\n";
  } else {
    return;
  }
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace trailhound

#include "connectors/record_source.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include <simdjson.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace trailhound {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunkBytes = 256 << 10;
constexpr size_t kMaxDocumentBytes = size_t{256} << 20;
constexpr size_t kRawPrefixBytes = 4096;

// The first kRawPrefixBytes of `bytes`, cut back so that no UTF-8 sequence is
// split (a split one would turn the whole prefix into base64).
std::string_view RawPrefix(std::string_view bytes) {
  if (bytes.size() <= kRawPrefixBytes) return bytes;
  size_t n = kRawPrefixBytes;
  for (int i = 0; i < 3 && (static_cast<uint8_t>(bytes[n]) & 0xC0) == 0x80; ++i) --n;
  return bytes.substr(0, n);
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsBlank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), IsJsonSpace);
}

// Reads one input as a stream of bytes, inflating it when it starts with the
// gzip magic (concatenated members included). Blocks only until some bytes
// are available, so a pipe is consumed as it arrives.
class ByteReader {
 public:
  ByteReader(int fd, bool owns_fd) : fd_(fd), owns_fd_(owns_fd), in_(new char[kChunkBytes]) {}
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;
  ~ByteReader() {
    if (gzip_) inflateEnd(&z_);
    if (owns_fd_) close(fd_);
  }

  // Reads up to `cap` (> 0) bytes into `dst`. Returns 0 at the end of the
  // stream or on an error, which error() then describes.
  size_t Read(char* dst, size_t cap) {
    if (!sniffed_) Sniff();
    if (!error_.empty()) return 0;
    return gzip_ ? Inflate(dst, cap) : Copy(dst, cap);
  }

  const std::string& error() const { return error_; }

 private:
  // One read(2); 0 at end of input or on an error.
  size_t ReadFd(char* dst, size_t cap) {
    if (eof_) return 0;
    ssize_t n;
    do {
      n = read(fd_, dst, cap);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      error_ = absl::StrCat("read error: ", std::strerror(errno));
      return 0;
    }
    if (n == 0) eof_ = true;
    return static_cast<size_t>(n);
  }

  // Appends one read(2) to in_; false at end of input or on an error.
  bool ReadRaw() {
    size_t n = ReadFd(in_.get() + in_len_, kChunkBytes - in_len_);
    in_len_ += n;
    return n > 0;
  }

  void Sniff() {
    sniffed_ = true;
    while (in_len_ < 2 && ReadRaw()) {
    }
    if (!error_.empty() || in_len_ < 2) return;
    if (static_cast<uint8_t>(in_[0]) != 0x1f || static_cast<uint8_t>(in_[1]) != 0x8b) return;
    gzip_ = true;
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) {
      error_ = "cannot initialise zlib";
      return;
    }
    z_.next_in = reinterpret_cast<Bytef*>(in_.get());
    z_.avail_in = static_cast<uInt>(in_len_);
  }

  // Plain streams: what Sniff() read first, then straight from the fd.
  size_t Copy(char* dst, size_t cap) {
    if (in_pos_ == in_len_) return ReadFd(dst, cap);
    size_t n = std::min(cap, in_len_ - in_pos_);
    std::memcpy(dst, in_.get() + in_pos_, n);
    in_pos_ += n;
    return n;
  }

  size_t Inflate(char* dst, size_t cap) {
    while (true) {
      if (z_.avail_in == 0) {
        in_len_ = 0;
        if (!ReadRaw()) {
          if (error_.empty() && !member_done_) error_ = "truncated gzip stream";
          return 0;
        }
        z_.next_in = reinterpret_cast<Bytef*>(in_.get());
        z_.avail_in = static_cast<uInt>(in_len_);
      }
      if (member_done_) {  // another gzip member follows
        inflateReset(&z_);
        member_done_ = false;
      }
      z_.next_out = reinterpret_cast<Bytef*>(dst);
      z_.avail_out = static_cast<uInt>(cap);
      int rc = inflate(&z_, Z_NO_FLUSH);
      size_t produced = cap - z_.avail_out;
      if (rc == Z_STREAM_END) {
        member_done_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        error_ = z_.msg != nullptr ? z_.msg : zError(rc);
      }
      // On an error the bytes inflated so far still count; the next call
      // reports the error.
      if (produced > 0 || !error_.empty()) return produced;
    }
  }

  int fd_;
  bool owns_fd_;
  std::unique_ptr<char[]> in_;
  size_t in_pos_ = 0;  // plain streams: next unread byte of in_
  size_t in_len_ = 0;
  bool eof_ = false;
  bool sniffed_ = false;
  bool gzip_ = false;
  bool member_done_ = false;
  z_stream z_{};
  std::string error_;
};

// Frames one input: NDJSON lines, or the elements of a {"Records":[…]}
// document, chosen by the first bytes.
class StreamFramer {
 public:
  StreamFramer(std::string name, std::unique_ptr<ByteReader> reader, const SourceOptions& options,
               DeadLetterSink& dead_letters, simdjson::dom::parser& parser)
      : name_(std::move(name)),
        reader_(std::move(reader)),
        max_record_bytes_(options.max_record_bytes),
        dead_letters_(dead_letters),
        parser_(parser) {}

  // Fills `record` and returns true, or returns false at the end of the stream.
  bool Next(RawRecord& record) {
    switch (mode_) {
      case Mode::kDetect:
        DetectFraming();
        return Next(record);
      case Mode::kNdjson:
        return NextLine(record);
      case Mode::kDocument:
        return NextElement(record);
      case Mode::kDone:
        return false;
    }
    return false;
  }

 private:
  enum class Mode { kDetect, kNdjson, kDocument, kDone };
  enum class Framing { kNeedMore, kNdjson, kDocument };

  // Whether buf_ starts with `{` and the key "Records" (whitespace allowed);
  // sets doc_start_ to the offset of the `{`.
  Framing Classify() {
    std::string_view data = buf_;
    size_t i = 0;
    while (i < data.size() && IsJsonSpace(data[i])) ++i;
    if (i == data.size()) return Framing::kNeedMore;
    if (data[i] != '{') return Framing::kNdjson;
    doc_start_ = i++;
    while (i < data.size() && IsJsonSpace(data[i])) ++i;
    for (char c : std::string_view("\"Records\"")) {
      if (i == data.size()) return Framing::kNeedMore;
      if (data[i++] != c) return Framing::kNdjson;
    }
    return Framing::kDocument;
  }

  void DetectFraming() {
    Framing framing;
    while ((framing = Classify()) == Framing::kNeedMore) {
      if (!Refill()) {
        framing = Framing::kNdjson;  // too short to be a document
        break;
      }
    }
    mode_ = Mode::kNdjson;
    if (framing == Framing::kDocument) {
      mode_ = LoadDocument() ? Mode::kDocument : Mode::kDone;
    }
  }

  // Drops the consumed bytes buf_[0, pos_) and appends what the reader has.
  // False at the end of the stream or on a read error.
  bool Refill() {
    if (pos_ > 0) {
      buf_.erase(0, pos_);
      base_ += pos_;
      scan_ -= pos_;
      pos_ = 0;
    }
    size_t old_size = buf_.size();
    buf_.resize(old_size + kChunkBytes);
    size_t n = reader_->Read(buf_.data() + old_size, kChunkBytes);
    buf_.resize(old_size + n);
    return n > 0;
  }

  SourcePosition Position(uint64_t index, uint64_t offset, uint64_t line) const {
    return SourcePosition{name_, index, offset, line};
  }

  // Assigns in place, so that the file name's storage is reused.
  void SetPosition(RawRecord& record, uint64_t index, uint64_t offset, uint64_t line) const {
    record.position.file = name_;
    record.position.record_index = index;
    record.position.byte_offset = offset;
    record.position.line = line;
  }

  void WriteLetter(std::string_view reason, std::string detail, SourcePosition position,
                   std::string_view raw, bool raw_truncated) {
    dead_letters_.Write(
        DeadLetter{reason, std::move(detail), std::move(position), raw, raw_truncated});
  }

  void WriteTooLarge(uint64_t length, SourcePosition position, std::string_view bytes) {
    std::string_view raw = RawPrefix(bytes);
    WriteLetter(kReasonTooLarge,
                absl::StrCat("record of ", length, " bytes exceeds --max-record-bytes ",
                             max_record_bytes_),
                std::move(position), raw, raw.size() < length);
  }

  // --- NDJSON ---

  bool NextLine(RawRecord& record) {
    while (true) {
      const void* nl = std::memchr(buf_.data() + scan_, '\n', buf_.size() - scan_);
      if (nl != nullptr) {
        size_t end = static_cast<const char*>(nl) - buf_.data();
        size_t begin = pos_;
        pos_ = scan_ = end + 1;
        if (TakeLine(begin, end, record)) return true;
        continue;
      }
      scan_ = buf_.size();
      // One more byte than the limit may be a '\r' before the newline.
      if (buf_.size() - pos_ > max_record_bytes_ + 1) {
        SkipOversizedLine();
        continue;
      }
      if (Refill()) continue;
      if (!reader_->error().empty()) {
        std::string_view pending(buf_.data() + pos_, buf_.size() - pos_);
        std::string_view raw = RawPrefix(pending);
        WriteLetter(kReasonUnreadableInput, reader_->error(),
                    Position(record_index_, base_ + pos_, line_ + 1), raw,
                    raw.size() < pending.size());
        mode_ = Mode::kDone;
        return false;
      }
      if (pos_ == buf_.size()) {
        mode_ = Mode::kDone;
        return false;
      }
      size_t begin = pos_;
      pos_ = scan_ = buf_.size();
      if (TakeLine(begin, buf_.size(), record)) return true;
    }
  }

  // Frames buf_[begin, end) (a line without its '\n'); true when it is a
  // record, false when it was blank or dead-lettered.
  bool TakeLine(size_t begin, size_t end, RawRecord& record) {
    ++line_;
    std::string_view line(buf_.data() + begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (IsBlank(line)) return false;
    uint64_t index = record_index_++;
    if (line.size() > max_record_bytes_) {
      WriteTooLarge(line.size(), Position(index, base_ + begin, line_), line);
      return false;
    }
    record.bytes = line;
    SetPosition(record, index, base_ + begin, line_);
    return true;
  }

  // Called when the pending line is already over the limit: keeps only its
  // prefix while reading on to the newline, then dead-letters it.
  void SkipOversizedLine() {
    SourcePosition position = Position(record_index_++, base_ + pos_, ++line_);
    // One byte past the kept prefix tells RawPrefix whether it splits a character.
    std::string prefix;
    auto keep = [&prefix](std::string_view bytes) {
      prefix.append(bytes.substr(0, kRawPrefixBytes + 1 - prefix.size()));
    };
    keep(std::string_view(buf_).substr(pos_));
    uint64_t length = buf_.size() - pos_;
    char last = buf_.back();
    pos_ = scan_ = buf_.size();
    while (Refill()) {
      const void* nl = std::memchr(buf_.data(), '\n', buf_.size());
      size_t end = nl != nullptr ? static_cast<const char*>(nl) - buf_.data() : buf_.size();
      keep(std::string_view(buf_.data(), end));
      length += end;
      if (end > 0) last = buf_[end - 1];
      if (nl != nullptr) {
        pos_ = scan_ = end + 1;
        break;
      }
      pos_ = scan_ = buf_.size();
    }
    if (last == '\r') --length;
    if (prefix.size() > length) prefix.resize(length);
    WriteTooLarge(length, std::move(position), prefix);
  }

  // --- {"Records":[…]} documents ---

  // Reads the rest of the stream and parses it; false (after writing a dead
  // letter) when it is too large, unreadable or not a Records document.
  bool LoadDocument() {
    std::string doc = std::move(buf_);
    buf_.clear();
    while (doc.size() - doc_start_ <= kMaxDocumentBytes) {
      size_t old_size = doc.size();
      doc.resize(old_size + kChunkBytes);
      size_t n = reader_->Read(doc.data() + old_size, kChunkBytes);
      doc.resize(old_size + n);
      if (n == 0) break;
    }
    std::string_view text(doc.data() + doc_start_, doc.size() - doc_start_);
    std::string_view raw = RawPrefix(text);
    SourcePosition position = Position(0, doc_start_, 0);
    if (text.size() > kMaxDocumentBytes) {
      WriteLetter(kReasonTooLarge,
                  absl::StrCat("document exceeds the ", kMaxDocumentBytes,
                               "-byte limit for {\"Records\":[...]} files"),
                  std::move(position), raw, true);
      return false;
    }
    if (!reader_->error().empty()) {
      WriteLetter(kReasonUnreadableInput, reader_->error(), std::move(position), raw,
                  raw.size() < text.size());
      return false;
    }
    size_t length = text.size();
    doc.resize(doc.size() + simdjson::SIMDJSON_PADDING);
    simdjson::dom::element root;
    simdjson::error_code error =
        parser_.parse(doc.data() + doc_start_, length, false).get(root);
    if (error) {
      WriteLetter(kReasonInvalidDocument, simdjson::error_message(error), std::move(position),
                  raw, raw.size() < length);
      return false;
    }
    simdjson::dom::array records;
    if (root["Records"].get_array().get(records)) {
      WriteLetter(kReasonInvalidDocument, "\"Records\" is not an array", std::move(position), raw,
                  raw.size() < length);
      return false;
    }
    element_ = records.begin();
    elements_end_ = records.end();
    return true;
  }

  bool NextElement(RawRecord& record) {
    while (element_ != elements_end_) {
      uint64_t index = record_index_++;
      element_text_ = simdjson::minify(*element_);
      ++element_;
      if (element_text_.size() > max_record_bytes_) {
        WriteTooLarge(element_text_.size(), Position(index, doc_start_, 0), element_text_);
        continue;
      }
      record.bytes = element_text_;
      SetPosition(record, index, doc_start_, 0);
      return true;
    }
    mode_ = Mode::kDone;
    return false;
  }

  const std::string name_;
  std::unique_ptr<ByteReader> reader_;
  const uint64_t max_record_bytes_;
  DeadLetterSink& dead_letters_;
  simdjson::dom::parser& parser_;
  Mode mode_ = Mode::kDetect;
  uint64_t record_index_ = 0;

  // NDJSON: buf_ holds the stream from offset base_; pos_ is the start of the
  // current line and scan_ where the search for its newline resumes.
  std::string buf_;
  uint64_t base_ = 0;
  size_t pos_ = 0;
  size_t scan_ = 0;
  uint64_t line_ = 0;  // lines consumed so far

  // Records documents: the elements still to yield (in parser_'s DOM).
  size_t doc_start_ = 0;
  simdjson::dom::array::iterator element_;
  simdjson::dom::array::iterator elements_end_;
  std::string element_text_;
};

class InputsSource : public RecordSource {
 public:
  InputsSource(std::vector<std::string> paths, const SourceOptions& options,
               DeadLetterSink& dead_letters)
      : paths_(std::move(paths)), options_(options), dead_letters_(dead_letters) {}

  absl::StatusOr<bool> Next(RawRecord& record) override {
    while (true) {
      if (current_ == nullptr) {
        if (next_path_ == paths_.size()) return false;
        const std::string& path = paths_[next_path_++];
        std::unique_ptr<ByteReader> reader;
        if (path == "-") {
          reader = std::make_unique<ByteReader>(STDIN_FILENO, false);
        } else {
          int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
          if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
          reader = std::make_unique<ByteReader>(fd, true);
        }
        current_ = std::make_unique<StreamFramer>(path, std::move(reader), options_,
                                                  dead_letters_, parser_);
      }
      if (current_->Next(record)) return true;
      current_.reset();
    }
  }

 private:
  const std::vector<std::string> paths_;
  const SourceOptions options_;
  DeadLetterSink& dead_letters_;
  simdjson::dom::parser parser_;  // shared by all documents (keeps its buffers)
  size_t next_path_ = 0;
  std::unique_ptr<StreamFramer> current_;
};

// Appends the regular files below `dir`, sorted by path.
absl::Status ListDirectory(const std::string& dir, std::vector<std::string>& paths) {
  std::vector<std::string> found;
  std::error_code error;
  fs::recursive_directory_iterator it(dir, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    std::error_code ignored;  // e.g. a dangling symlink: not a regular file
    if (it->is_regular_file(ignored)) found.push_back(it->path().string());
  }
  if (error) {
    return absl::ErrnoToStatus(error.value(), absl::StrCat("cannot list directory ", dir));
  }
  std::sort(found.begin(), found.end());
  paths.insert(paths.end(), found.begin(), found.end());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RecordSource>> OpenInputs(
    const std::vector<std::string>& inputs, const SourceOptions& options,
    DeadLetterSink& dead_letters) {
  std::vector<std::string> paths;
  if (inputs.empty()) paths.push_back("-");
  for (const std::string& input : inputs) {
    if (input == "-") {
      paths.push_back(input);
      continue;
    }
    std::error_code error;
    fs::file_status status = fs::status(input, error);
    if (status.type() == fs::file_type::not_found) {
      return absl::NotFoundError(absl::StrCat("input not found: ", input));
    }
    if (error) return absl::ErrnoToStatus(error.value(), absl::StrCat("cannot access ", input));
    if (fs::is_directory(status)) {
      absl::Status listed = ListDirectory(input, paths);
      if (!listed.ok()) return listed;
    } else {
      paths.push_back(input);
    }
  }
  return std::make_unique<InputsSource>(std::move(paths), options, dead_letters);
}

}  // namespace trailhound

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
#include "connectors/json_framing.h"
#include "connectors/record_stream.h"

namespace trailhound {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunkBytes = 256 << 10;
constexpr size_t kMaxDocumentBytes = size_t{256} << 20;
constexpr size_t kRawPrefixBytes = 4096;
// An EventBridge event may exceed --max-record-bytes by this much (its
// envelope); the record in its "detail" is held to the limit itself.
constexpr size_t kEnvelopeSlackBytes = 64 << 10;
// A CloudWatch Logs envelope holds many records: bounded like a document.
constexpr size_t kMaxEnvelopeBytes = kMaxDocumentBytes;
constexpr size_t kNpos = std::string_view::npos;

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

// The bytes a framer has read and not yet consumed. Reads append straight
// into spare capacity, so that a 256 KiB chunk is not zero-filled first (as
// std::string::resize would); the consumed front is dropped by moving the
// rest down.
class ReadBuffer {
 public:
  const char* data() const { return bytes_.get(); }
  size_t size() const { return size_; }
  char operator[](size_t index) const { return bytes_[index]; }
  char back() const { return bytes_[size_ - 1]; }
  operator std::string_view() const { return {bytes_.get(), size_}; }

  void DropFront(size_t count) {
    std::memmove(bytes_.get(), bytes_.get() + count, size_ - count);
    size_ -= count;
  }

  // Reads up to `chunk` more bytes from `reader` onto the end; the count read.
  size_t Append(ByteReader& reader, size_t chunk) {
    if (size_ + chunk > capacity_) {
      size_t capacity = std::max(capacity_ * 2, size_ + chunk);
      std::unique_ptr<char[]> grown(new char[capacity]);
      if (size_ > 0) std::memcpy(grown.get(), bytes_.get(), size_);
      bytes_ = std::move(grown);
      capacity_ = capacity;
    }
    size_t count = reader.Read(bytes_.get() + size_, chunk);
    size_ += count;
    return count;
  }

 private:
  std::unique_ptr<char[]> bytes_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Frames one input, chosen per stream by its first bytes (see
// DetectFraming): NDJSON lines, the elements of a {"Records":[…]} document,
// or concatenated JSON objects (Kinesis Data Firehose output); the units are
// plain records, EventBridge events (the record is their "detail") or
// CloudWatch Logs subscription envelopes (one record per logEvents[].message).
class StreamFramer : public RecordStream {
 public:
  StreamFramer(std::string name, std::unique_ptr<ByteReader> reader, const SourceOptions& options,
               DeadLetterSink& dead_letters, simdjson::dom::parser& parser,
               simdjson::ondemand::parser& event_parser)
      : name_(std::move(name)),
        reader_(std::move(reader)),
        max_record_bytes_(options.max_record_bytes),
        dead_letters_(dead_letters),
        parser_(parser),
        event_parser_(event_parser),
        unit_limit_(options.max_record_bytes) {}

  bool Next(RawRecord& record) override {
    switch (mode_) {
      case Mode::kDetect:
        DetectFraming();
        return Next(record);
      case Mode::kNdjson:
        return NextLine(record);
      case Mode::kConcatenated:
        return NextObject(record);
      case Mode::kDone:
        return false;
    }
    return false;
  }

 private:
  enum class Mode { kDetect, kNdjson, kConcatenated, kDone };
  enum class Framing { kNeedMore, kNdjson, kDocument, kObject };
  // What each framed unit is.
  enum class Content { kPlain, kEventBridge, kCloudWatchLogs, kDocuments };

  // kDocument when buf_ starts with `{` and the key "Records" (whitespace
  // allowed), kObject for any other `{`, kNdjson for anything else; sets
  // doc_start_ to the offset of the `{`.
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
      if (data[i++] != c) return Framing::kObject;
    }
    return Framing::kDocument;
  }

  void DetectFraming() {
    doc_start_ = kNpos;
    Framing framing;
    while ((framing = Classify()) == Framing::kNeedMore) {
      if (!Refill()) {  // too short to be a document
        framing = doc_start_ == kNpos ? Framing::kNdjson : Framing::kObject;
        break;
      }
    }
    switch (framing) {
      case Framing::kNeedMore:
      case Framing::kNdjson:
        mode_ = Mode::kNdjson;
        break;
      case Framing::kDocument:
        StartDocuments();
        break;
      case Framing::kObject:
        DetectObjectFraming();
        break;
    }
  }

  // The stream starts with an object at doc_start_: reads it whole (up to
  // kMaxEnvelopeBytes) without consuming it. Its top-level keys choose the
  // content: "detail-type" and "detail" → EventBridge events; "messageType"
  // and "logEvents" → CloudWatch Logs envelopes; "Records" → Records
  // documents; else plain records. The framing is concatenated objects when
  // the object spans lines or another `{` follows it on its line, else NDJSON
  // (envelopes and documents are always read as concatenated objects).
  void DetectObjectFraming() {
    const size_t start = doc_start_;
    scanner_.Reset();
    size_t scanned = start;
    size_t end = kNpos;
    while (true) {  // pos_ stays 0, so Refill() keeps every byte in place
      size_t n = scanner_.Scan(std::string_view(buf_).substr(scanned));
      if (n != kNpos) {
        end = scanned + n;
        break;
      }
      scanned = buf_.size();
      if (buf_.size() - start > kMaxEnvelopeBytes || !Refill()) break;
    }
    std::string_view first(buf_.data() + start, (end == kNpos ? buf_.size() : end) - start);
    bool concatenated = first.find('\n') != kNpos;
    if (end != kNpos) {
      TopLevelKeys keys = FindTopLevelKeys(first);
      if (keys.detail_type && keys.detail) {
        content_ = Content::kEventBridge;
        unit_limit_ = max_record_bytes_ + kEnvelopeSlackBytes;
      } else if (keys.message_type && keys.log_events) {
        content_ = Content::kCloudWatchLogs;
        unit_limit_ = std::max<uint64_t>(max_record_bytes_, kMaxEnvelopeBytes);
        concatenated = true;
      } else if (keys.records) {
        StartDocuments();
        return;
      }
      if (!concatenated) concatenated = ObjectFollowsOnTheSameLine(end);
    }
    mode_ = concatenated ? Mode::kConcatenated : Mode::kNdjson;
    scan_ = 0;
  }

  // {"Records":[…]} documents, one or more (`zcat` of several CloudTrail
  // files): concatenated objects, each bounded by kMaxDocumentBytes.
  void StartDocuments() {
    content_ = Content::kDocuments;
    unit_limit_ = std::max<uint64_t>(max_record_bytes_, kMaxDocumentBytes);
    mode_ = Mode::kConcatenated;
    scan_ = 0;
  }

  // Whether the first byte after buf_[at] that is not a space, tab or CR is a
  // `{` (reading on as needed; pos_ is 0, so nothing moves).
  bool ObjectFollowsOnTheSameLine(size_t at) {
    while (true) {
      for (; at < buf_.size(); ++at) {
        char c = buf_[at];
        if (c != ' ' && c != '\t' && c != '\r') return c == '{';
      }
      if (!Refill()) return false;
    }
  }

  // Drops the consumed bytes buf_[0, pos_) and appends what the reader has.
  // False at the end of the stream or on a read error.
  bool Refill() {
    if (pos_ > 0) {
      if (mode_ == Mode::kConcatenated) {
        LineAt(pos_);  // count the newlines about to be dropped
        line_pos_ = 0;
      }
      buf_.DropFront(pos_);
      base_ += pos_;
      scan_ = scan_ > pos_ ? scan_ - pos_ : 0;
      pos_ = 0;
    }
    return buf_.Append(*reader_, kChunkBytes) > 0;
  }

  SourcePosition Position(uint64_t index, uint64_t offset, uint64_t line) const {
    return SourcePosition::InFile(name_, index, offset, line);
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

  // A framed unit (line or object) over unit_limit_; `bytes` is the whole
  // unit or a prefix of it.
  void WriteUnitTooLarge(uint64_t length, SourcePosition position, std::string_view bytes) {
    if (content_ == Content::kPlain) {
      WriteTooLarge(length, std::move(position), bytes);
      return;
    }
    std::string detail;
    switch (content_) {
      case Content::kEventBridge:
        detail = absl::StrCat("EventBridge event of ", length, " bytes exceeds --max-record-bytes ",
                              max_record_bytes_, " + ", kEnvelopeSlackBytes, " for its envelope");
        break;
      case Content::kCloudWatchLogs:
        detail = absl::StrCat("CloudWatch Logs envelope of ", length, " bytes exceeds the ",
                              unit_limit_, "-byte limit for envelopes");
        break;
      default:
        detail = absl::StrCat("document of ", length, " bytes exceeds the ", unit_limit_,
                              "-byte limit for {\"Records\":[...]} files");
        break;
    }
    std::string_view raw = RawPrefix(bytes);
    WriteLetter(kReasonTooLarge, std::move(detail), std::move(position), raw, raw.size() < length);
  }

  // --- EventBridge events ---

  // Yields the record in the event's "detail", or dead-letters the event.
  bool UnwrapEvent(std::string_view event, uint64_t index, uint64_t offset, uint64_t line,
                   RawRecord& record) {
    Rejection why;
    if (!UnwrapEventBridgeEvent(event, event_parser_, event_scratch_, element_text_, why)) {
      std::string_view raw = RawPrefix(event);
      WriteLetter(why.reason, std::move(why.detail), Position(index, offset, line), raw,
                  raw.size() < event.size());
      return false;
    }
    if (element_text_.size() > max_record_bytes_) {
      WriteTooLarge(element_text_.size(), Position(index, offset, line), element_text_);
      return false;
    }
    record.bytes = element_text_;
    SetPosition(record, index, offset, line);
    return true;
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
      if (buf_.size() - pos_ > unit_limit_ + 1) {
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
    if (line.size() > unit_limit_) {
      WriteUnitTooLarge(line.size(), Position(index, base_ + begin, line_), line);
      return false;
    }
    if (content_ == Content::kEventBridge) {
      return UnwrapEvent(line, index, base_ + begin, line_, record);
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
    WriteUnitTooLarge(length, std::move(position), prefix);
  }

  // --- Concatenated objects (Firehose) ---

  // Yields the next record: the next object itself, the record in an
  // EventBridge event, the next message of a CloudWatch Logs envelope or the
  // next element of a Records document.
  bool NextObject(RawRecord& record) {
    while (true) {
      if (in_envelope_) {
        if (content_ == Content::kDocuments ? NextElement(record) : NextLogEvent(record)) {
          return true;
        }
        in_envelope_ = false;
      }
      size_t begin;
      size_t end;
      if (!NextUnit(begin, end)) {
        mode_ = Mode::kDone;
        return false;
      }
      std::string_view unit(buf_.data() + begin, end - begin);
      uint64_t offset = base_ + begin;
      uint64_t line = LineAt(begin);
      switch (content_) {
        case Content::kPlain:
          record.bytes = unit;
          SetPosition(record, record_index_++, offset, line);
          return true;
        case Content::kEventBridge:
          if (UnwrapEvent(unit, record_index_++, offset, line, record)) return true;
          break;
        case Content::kCloudWatchLogs:
          OpenEnvelope(unit, offset);
          break;
        case Content::kDocuments:
          OpenDocument(unit, offset);
          break;
      }
    }
  }

  // Finds the next top-level object, buf_[begin, end), and consumes it.
  // Dead-letters what is not one: bytes between objects, objects over
  // unit_limit_ (read on to their end without keeping them), an object cut
  // off by the end of the stream. False at the end of the stream.
  bool NextUnit(size_t& begin, size_t& end) {
    while (true) {
      if (!in_object_) {
        while (pos_ < buf_.size() && IsJsonSpace(buf_[pos_])) ++pos_;
        if (pos_ == buf_.size()) {
          if (Refill()) continue;
          if (!reader_->error().empty()) {
            WriteLetter(kReasonUnreadableInput, reader_->error(), UnitPosition(pos_, false), "",
                        false);
          }
          return false;
        }
        if (buf_[pos_] != '{') {
          SkipBytesOutsideObjects();
          continue;
        }
        in_object_ = true;
        scanner_.Reset();
        scan_ = pos_;
      }
      size_t n = scanner_.Scan(std::string_view(buf_).substr(scan_));
      if (n != kNpos) {
        in_object_ = false;
        begin = pos_;
        end = pos_ = scan_ = scan_ + n;
        if (end - begin <= unit_limit_) return true;
        std::string_view unit(buf_.data() + begin, end - begin);
        WriteUnitTooLarge(unit.size(), UnitPosition(begin, true), unit);
        continue;
      }
      scan_ = buf_.size();
      if (buf_.size() - pos_ > unit_limit_) {
        SkipOversizedObject();
        continue;
      }
      if (Refill()) continue;
      // The stream ended inside the object.
      in_object_ = false;
      std::string_view pending(buf_.data() + pos_, buf_.size() - pos_);
      std::string_view raw = RawPrefix(pending);
      if (!reader_->error().empty()) {
        WriteLetter(kReasonUnreadableInput, reader_->error(), UnitPosition(pos_, false), raw,
                    raw.size() < pending.size());
      } else {
        WriteLetter(BadUnitReason(), "JSON object cut off by the end of the input",
                    UnitPosition(pos_, true), raw, raw.size() < pending.size());
      }
      pos_ = scan_ = buf_.size();
      return false;
    }
  }

  // Whether units hold any number of records (CloudWatch Logs envelopes,
  // Records documents) rather than one.
  bool UnitsHoldManyRecords() const {
    return content_ == Content::kCloudWatchLogs || content_ == Content::kDocuments;
  }

  // The position of a unit starting at buf_[at]. Plain records and
  // EventBridge events take a record index (`consume`); a dead letter for a
  // whole envelope or document carries the index the next record would
  // have, and line 0.
  SourcePosition UnitPosition(size_t at, bool consume) {
    uint64_t line = LineAt(at);
    if (UnitsHoldManyRecords()) return Position(record_index_, base_ + at, 0);
    return Position(consume ? record_index_++ : record_index_, base_ + at, line);
  }

  std::string_view BadUnitReason() const {
    return UnitsHoldManyRecords() ? kReasonInvalidDocument : kReasonInvalidJson;
  }

  // The 1-based line of buf_[at]; `at` never goes back before an earlier call.
  uint64_t LineAt(size_t at) {
    newlines_ += std::count(buf_.data() + line_pos_, buf_.data() + at, '\n');
    line_pos_ = at;
    return newlines_ + 1;
  }

  // Called when the pending object is already over unit_limit_: keeps only
  // its prefix while reading on to its end, then dead-letters it.
  void SkipOversizedObject() {
    SourcePosition position = UnitPosition(pos_, true);
    std::string prefix;
    auto keep = [&prefix](std::string_view bytes) {
      prefix.append(bytes.substr(0, std::min(bytes.size(), kRawPrefixBytes + 1 - prefix.size())));
    };
    keep(std::string_view(buf_).substr(pos_));
    uint64_t length = buf_.size() - pos_;
    pos_ = scan_ = buf_.size();
    while (in_object_ && Refill()) {
      size_t n = scanner_.Scan(buf_);
      if (n != kNpos) in_object_ = false;
      size_t upto = n != kNpos ? n : buf_.size();
      keep(std::string_view(buf_.data(), upto));
      length += upto;
      pos_ = scan_ = upto;
    }
    in_object_ = false;  // cut off by the end of the input: all of it is in this letter
    if (prefix.size() > length) prefix.resize(length);
    WriteUnitTooLarge(length, std::move(position), prefix);
  }

  // buf_[pos_] starts bytes that are not an object: dead-letters them, up to
  // the next `{` (or the end of the input), trailing whitespace left out.
  void SkipBytesOutsideObjects() {
    SourcePosition position = UnitPosition(pos_, true);
    std::string prefix;
    uint64_t consumed = 0;
    uint64_t length = 0;  // up to the last byte that is not whitespace
    while (true) {
      const char* from = buf_.data() + pos_;
      size_t available = buf_.size() - pos_;
      const void* brace = std::memchr(from, '{', available);
      size_t n = brace != nullptr ? static_cast<const char*>(brace) - from : available;
      std::string_view piece(from, n);
      prefix.append(piece.substr(0, std::min(n, kRawPrefixBytes + 1 - prefix.size())));
      size_t last = piece.find_last_not_of(" \t\r\n");
      if (last != kNpos) length = consumed + last + 1;
      consumed += n;
      pos_ += n;
      if (brace != nullptr || !Refill()) break;
    }
    if (prefix.size() > length) prefix.resize(length);
    std::string_view raw = RawPrefix(prefix);
    WriteLetter(BadUnitReason(),
                absl::StrCat(length, " bytes outside any JSON object in a stream of "
                                     "concatenated objects"),
                std::move(position), raw, raw.size() < length);
  }

  // --- CloudWatch Logs subscription envelopes ---

  // Parses one envelope and readies its log events (none for a
  // CONTROL_MESSAGE); dead-letters one that does not parse or is not a
  // DATA_MESSAGE with a logEvents array.
  void OpenEnvelope(std::string_view unit, uint64_t offset) {
    auto reject = [&](std::string detail) {
      std::string_view raw = RawPrefix(unit);
      WriteLetter(kReasonInvalidDocument, std::move(detail), Position(record_index_, offset, 0),
                  raw, raw.size() < unit.size());
    };
    simdjson::dom::element root;
    if (simdjson::error_code error = parser_.parse(unit.data(), unit.size()).get(root)) {
      reject(absl::StrCat("CloudWatch Logs envelope: ", simdjson::error_message(error)));
      return;
    }
    std::string_view type;
    if (root["messageType"].get_string().get(type)) {
      reject("CloudWatch Logs envelope without a string \"messageType\"");
      return;
    }
    if (type == "CONTROL_MESSAGE") return;
    if (type != "DATA_MESSAGE") {
      reject(absl::StrCat("CloudWatch Logs envelope of unknown messageType \"", std::string(type), "\""));
      return;
    }
    simdjson::dom::array events;
    if (root["logEvents"].get_array().get(events)) {
      reject("CloudWatch Logs envelope whose \"logEvents\" is not an array");
      return;
    }
    log_event_ = events.begin();
    log_events_end_ = events.end();
    unit_offset_ = offset;
    in_envelope_ = true;
  }

  // Yields the next logEvents[].message of the open envelope.
  bool NextLogEvent(RawRecord& record) {
    while (log_event_ != log_events_end_) {
      simdjson::dom::element event = *log_event_;
      ++log_event_;
      uint64_t index = record_index_++;
      std::string_view message;
      if (event["message"].get_string().get(message)) {
        element_text_ = simdjson::minify(event);
        std::string_view raw = RawPrefix(element_text_);
        WriteLetter(kReasonInvalidDocument,
                    "CloudWatch Logs log event without a string \"message\"",
                    Position(index, unit_offset_, 0), raw, raw.size() < element_text_.size());
        continue;
      }
      if (message.size() > max_record_bytes_) {
        WriteTooLarge(message.size(), Position(index, unit_offset_, 0), message);
        continue;
      }
      record.bytes = message;
      SetPosition(record, index, unit_offset_, 0);
      return true;
    }
    return false;
  }

  // --- {"Records":[…]} documents ---

  // Parses one document and readies its elements; dead-letters one that does
  // not parse or has no "Records" array.
  void OpenDocument(std::string_view unit, uint64_t offset) {
    auto reject = [&](std::string detail) {
      std::string_view raw = RawPrefix(unit);
      WriteLetter(kReasonInvalidDocument, std::move(detail), Position(record_index_, offset, 0),
                  raw, raw.size() < unit.size());
    };
    simdjson::dom::element root;
    if (simdjson::error_code error = parser_.parse(unit.data(), unit.size()).get(root)) {
      reject(simdjson::error_message(error));
      return;
    }
    simdjson::dom::element records;
    if (root["Records"].get(records)) {
      reject("document without \"Records\"");
      return;
    }
    simdjson::dom::array elements;
    if (records.get_array().get(elements)) {
      reject("\"Records\" is not an array");
      return;
    }
    element_ = elements.begin();
    elements_end_ = elements.end();
    unit_offset_ = offset;
    in_envelope_ = true;
  }

  // Yields the next element of the open document, minified.
  bool NextElement(RawRecord& record) {
    while (element_ != elements_end_) {
      uint64_t index = record_index_++;
      element_text_ = simdjson::minify(*element_);
      ++element_;
      if (element_text_.size() > max_record_bytes_) {
        WriteTooLarge(element_text_.size(), Position(index, unit_offset_, 0), element_text_);
        continue;
      }
      record.bytes = element_text_;
      SetPosition(record, index, unit_offset_, 0);
      return true;
    }
    return false;
  }

  const std::string name_;
  std::unique_ptr<ByteReader> reader_;
  const uint64_t max_record_bytes_;
  DeadLetterSink& dead_letters_;
  simdjson::dom::parser& parser_;
  simdjson::ondemand::parser& event_parser_;
  Mode mode_ = Mode::kDetect;
  Content content_ = Content::kPlain;
  uint64_t unit_limit_;  // the most bytes one line or object may have
  uint64_t record_index_ = 0;

  // NDJSON: buf_ holds the stream from offset base_; pos_ is the start of the
  // current line and scan_ where the search for its newline resumes.
  ReadBuffer buf_;
  uint64_t base_ = 0;
  size_t pos_ = 0;
  size_t scan_ = 0;
  uint64_t line_ = 0;  // lines consumed so far

  size_t doc_start_ = 0;  // detection: where the first object starts

  // Records documents: the elements still to yield of the open document (in
  // parser_'s DOM).
  simdjson::dom::array::iterator element_;
  simdjson::dom::array::iterator elements_end_;
  std::string element_text_;  // also: the record of an EventBridge event

  // Concatenated objects: the object being scanned starts at pos_ (while
  // in_object_), scan_ is where scanning resumes. newlines_ counts the
  // newlines before buf_[line_pos_].
  JsonObjectScanner scanner_;
  bool in_object_ = false;
  uint64_t newlines_ = 0;
  size_t line_pos_ = 0;

  // EventBridge: a padded copy of the event being unwrapped.
  std::string event_scratch_;

  // CloudWatch Logs: the log events still to yield of the open envelope (in
  // parser_'s DOM). in_envelope_: an envelope or document is open, at
  // unit_offset_.
  bool in_envelope_ = false;
  simdjson::dom::array::iterator log_event_;
  simdjson::dom::array::iterator log_events_end_;
  uint64_t unit_offset_ = 0;
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
        if (path == "-") {
          current_ = OpenRecordStream(path, STDIN_FILENO, false, options_, dead_letters_, parsers_);
        } else {
          int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
          if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
          current_ = OpenRecordStream(path, fd, true, options_, dead_letters_, parsers_);
        }
      }
      if (current_->Next(record)) return true;
      current_.reset();
    }
  }

 private:
  const std::vector<std::string> paths_;
  const SourceOptions options_;
  DeadLetterSink& dead_letters_;
  FramingParsers parsers_;  // shared by all inputs (keep their buffers)
  size_t next_path_ = 0;
  std::unique_ptr<RecordStream> current_;
};

}  // namespace

std::unique_ptr<RecordStream> OpenRecordStream(std::string name, int fd, bool owns_fd,
                                               const SourceOptions& options,
                                               DeadLetterSink& dead_letters,
                                               FramingParsers& parsers) {
  return std::make_unique<StreamFramer>(std::move(name), std::make_unique<ByteReader>(fd, owns_fd),
                                        options, dead_letters, parsers.document, parsers.event);
}

absl::StatusOr<fs::file_status> StatInput(const std::string& input) {
  std::error_code error;
  fs::file_status status = fs::status(input, error);
  if (status.type() == fs::file_type::not_found) {
    return absl::NotFoundError(absl::StrCat("input not found: ", input));
  }
  if (error) return absl::ErrnoToStatus(error.value(), absl::StrCat("cannot access ", input));
  return status;
}

absl::Status ListRegularFiles(const std::string& dir, std::vector<std::string>& paths) {
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
    absl::StatusOr<fs::file_status> status = StatInput(input);
    if (!status.ok()) return status.status();
    if (fs::is_directory(*status)) {
      absl::Status listed = ListRegularFiles(input, paths);
      if (!listed.ok()) return listed;
    } else {
      paths.push_back(input);
    }
  }
  return std::make_unique<InputsSource>(std::move(paths), options, dead_letters);
}

}  // namespace trailhound

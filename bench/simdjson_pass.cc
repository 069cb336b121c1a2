// The parse limit for the end-to-end benchmark: a bare simdjson On-Demand pass
// that reads the eventName of every record of an NDJSON file, with the same
// I/O as trailhound (read(2) into 256 KiB chunks, records framed at '\n').
//
// Each line is parsed on its own with ondemand::parser::iterate, as
// trailhound must (one bad record may not spoil its neighbours); the padding
// simdjson wants past a record's end is the rest of the chunk buffer, so no
// record is copied. `--many` parses each chunk with iterate_many instead (an
// upper bound that trailhound's per-record isolation cannot use);
// `--read-only` frames the lines without parsing them (the I/O floor).
//
// simdjson's On-Demand front end is header-only and compiled into this
// translation unit for the kernel its flags allow (SIMDJSON_BUILTIN_IMPLEMENTATION):
// "fallback" (scalar) for plain x86-64, "haswell" with -mavx2 -mbmi -mpclmul
// -mlzcnt (x86-64-v3). Stage 1 (structural indexing) runs in libsimdjson with
// runtime dispatch either way. The kernel is printed with the result.
//
// Output (stdout, one line):
//   simdjson_pass: records=N bytes=B seconds=S records_per_s=R builtin=K active=A checksum=C
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace {

constexpr size_t kChunkBytes = 256 << 10;

#define TH_STRINGIFY2(x) #x
#define TH_STRINGIFY(x) TH_STRINGIFY2(x)

struct Totals {
  uint64_t records = 0;
  uint64_t bytes = 0;
  uint64_t errors = 0;
  uint64_t checksum = 0;  // keeps the eventName reads from being optimised away
};

void Account(Totals& totals, std::string_view name) {
  totals.checksum = totals.checksum * 31 + name.size() + static_cast<uint8_t>(name.empty() ? 0 : name[0]);
}

int Usage() {
  std::fprintf(stderr, "usage: simdjson_pass [--many | --read-only] FILE\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool many = false;
  bool read_only = false;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--many") == 0) {
      many = true;
    } else if (std::strcmp(argv[i], "--read-only") == 0) {
      read_only = true;
    } else if (path == nullptr) {
      path = argv[i];
    } else {
      return Usage();
    }
  }
  if (path == nullptr) return Usage();

  auto started = std::chrono::steady_clock::now();
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    std::perror(path);
    return 2;
  }
  // buffer: [pending partial line][new chunk][padding]
  size_t capacity = 2 * kChunkBytes;
  std::unique_ptr<char[]> buffer(new char[capacity + simdjson::SIMDJSON_PADDING]);
  size_t length = 0;
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  Totals totals;

  auto parse_line = [&](const char* begin, size_t size, size_t available) {
    if (size == 0) return;
    ++totals.records;
    if (read_only) {
      Account(totals, std::string_view(begin, size > 16 ? 16 : size));
      return;
    }
    std::string_view name;
    simdjson::padded_string_view view(begin, size, available);
    simdjson::error_code error = parser.iterate(view).get(doc);
    if (!error) error = doc["eventName"].get_string().get(name);
    if (error) {
      ++totals.errors;
      return;
    }
    Account(totals, name);
  };

  bool eof = false;
  while (!eof) {
    if (capacity - length < kChunkBytes) {  // a line longer than a chunk: grow
      capacity *= 2;
      std::unique_ptr<char[]> bigger(new char[capacity + simdjson::SIMDJSON_PADDING]);
      std::memcpy(bigger.get(), buffer.get(), length);
      buffer = std::move(bigger);
    }
    ssize_t n = read(fd, buffer.get() + length, kChunkBytes);
    if (n < 0) {
      std::perror("read");
      return 2;
    }
    if (n == 0) eof = true;
    totals.bytes += static_cast<size_t>(n);
    length += static_cast<size_t>(n);
    char* data = buffer.get();
    std::memset(data + length, ' ', simdjson::SIMDJSON_PADDING);
    // The complete lines of the buffer (all of it at the end of the file).
    size_t complete = length;
    if (!eof) {
      const void* last = memrchr(data, '\n', length);
      if (last == nullptr) continue;
      complete = static_cast<const char*>(last) - data + 1;
    }
    if (many) {
      simdjson::ondemand::document_stream stream;
      if (parser.iterate_many(data, complete, kChunkBytes * 2).get(stream)) {
        ++totals.errors;
      } else {
        for (auto&& result : stream) {
          std::string_view name;
          ++totals.records;
          simdjson::ondemand::document_reference d;
          if (std::move(result).get(d) || d["eventName"].get_string().get(name)) {
            ++totals.errors;
            continue;
          }
          Account(totals, name);
        }
      }
    } else {
      size_t pos = 0;
      while (pos < complete) {
        const char* begin = data + pos;
        const char* nl = static_cast<const char*>(std::memchr(begin, '\n', complete - pos));
        size_t size = (nl != nullptr ? nl : data + complete) - begin;
        // Everything up to the buffer's end (plus its padding) is readable.
        parse_line(begin, size, length + simdjson::SIMDJSON_PADDING - pos);
        pos += size + 1;
      }
    }
    std::memmove(data, data + complete, length - complete);
    length -= complete;
  }
  close(fd);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "simdjson_pass: records=%llu bytes=%llu seconds=%.4f records_per_s=%.0f builtin=%s active=%s "
      "mode=%s errors=%llu checksum=%llu\n",
      static_cast<unsigned long long>(totals.records), static_cast<unsigned long long>(totals.bytes), seconds,
      seconds > 0 ? totals.records / seconds : 0.0, TH_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION),
      simdjson::get_active_implementation()->name().c_str(), many ? "iterate_many" : read_only ? "read_only" : "per_line",
      static_cast<unsigned long long>(totals.errors), static_cast<unsigned long long>(totals.checksum));
  return totals.errors == 0 ? 0 : 1;
}

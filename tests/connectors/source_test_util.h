// Helpers shared by the connector tests: a dead-letter sink that collects,
// gzip, and a fixture that writes input files and reads them back as records.
#pragma once

#include <stdlib.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/record_source.h"
#include "core/dead_letter.h"
#include "gtest/gtest.h"

namespace trailhound {

// (bytes, file, record_index, byte_offset, line)
using Rec = std::tuple<std::string, std::string, uint64_t, uint64_t, uint64_t>;

struct Letter {
  std::string reason;
  std::string detail;
  std::string file;
  uint64_t record_index;
  uint64_t byte_offset;
  uint64_t line;
  std::string raw;
  bool raw_truncated;
};

class CollectingSink : public DeadLetterSink {
 public:
  void Write(const DeadLetter& l) override {
    letters.push_back(Letter{std::string(l.reason), l.detail, l.position.file,
                             l.position.record_index, l.position.byte_offset, l.position.line,
                             std::string(l.raw), l.raw_truncated});
  }
  std::vector<Letter> letters;
};

inline std::string Gzip(std::string_view data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                         Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "th_connectors_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string Write(const std::string& relative, std::string_view content) {
    std::filesystem::path path = std::filesystem::path(dir_) / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return path.string();
  }

  std::vector<Rec> ReadAll(const std::vector<std::string>& inputs, SourceOptions options = {}) {
    std::vector<Rec> records;
    absl::StatusOr<std::unique_ptr<RecordSource>> source = OpenInputs(inputs, options, sink_);
    if (!source.ok()) {
      ADD_FAILURE() << source.status();
      return records;
    }
    RawRecord record;
    while (true) {
      absl::StatusOr<bool> more = (*source)->Next(record);
      if (!more.ok()) {
        ADD_FAILURE() << more.status();
        break;
      }
      if (!*more) break;
      records.emplace_back(std::string(record.bytes), record.position.file,
                           record.position.record_index, record.position.byte_offset,
                           record.position.line);
    }
    return records;
  }

  std::string dir_;
  CollectingSink sink_;
};

}  // namespace trailhound

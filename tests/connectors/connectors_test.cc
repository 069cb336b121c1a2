// Record sources (framing, positions, gzip, directories, stdin, size limits)
// and the NDJSON sinks.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "connectors/ndjson_sinks.h"
#include "connectors/record_source.h"
#include "gtest/gtest.h"
#include "tests/connectors/source_test_util.h"

namespace trailhound {
namespace {

namespace fs = std::filesystem;

TEST_F(SourceTest, NdjsonSkipsBlankLinesAndStripsCr) {
  std::string f = Write("a.ndjson",
                        "{\"a\":1}\n"        // 0..7, line 1
                        "\n"                 // 8, line 2
                        "   \n"              // 9..12, line 3
                        "{\"b\":2}\r\n"      // 13..21, line 4
                        "\t\r\n"             // 22..24, line 5
                        "{\"c\":3}");        // 25.., line 6, no newline
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{"{\"a\":1}", f, 0, 0, 1},
                                            {"{\"b\":2}", f, 1, 13, 4},
                                            {"{\"c\":3}", f, 2, 25, 6}}));
  EXPECT_TRUE(sink_.letters.empty());
}

TEST_F(SourceTest, NdjsonDoesNotValidateAndKeepsLeadingBlankLines) {
  std::string f = Write("x", "\n\nnot json\n{\"RecordsX\":1}\n[1]\n");
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{"not json", f, 0, 2, 3},
                                            {"{\"RecordsX\":1}", f, 1, 11, 4},
                                            {"[1]", f, 2, 26, 5}}));
}

TEST_F(SourceTest, EmptyAndBlankFilesYieldNothing) {
  std::string empty = Write("empty", "");
  std::string blank = Write("blank", " \n\r\n\n  ");
  EXPECT_TRUE(ReadAll({empty, blank}).empty());
  EXPECT_TRUE(sink_.letters.empty());
}

TEST_F(SourceTest, CompactRecordsDocument) {
  std::string f = Write("d.json", "{\"Records\":[{\"a\":1},{\"b\":[1,2]}]}");
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{"{\"a\":1}", f, 0, 0, 0},
                                            {"{\"b\":[1,2]}", f, 1, 0, 0}}));
  EXPECT_TRUE(sink_.letters.empty());
}

TEST_F(SourceTest, PrettyPrintedRecordsDocumentIsMinified) {
  std::string f = Write("d.json",
                        "\n{\n  \"Records\" : [\n    {\n      \"eventName\": \"X\",\n"
                        "      \"n\": [1, 2]\n    },\n    {\"k\": \"v w\"}\n  ]\n}\n");
  // The document starts at offset 1 (after the leading newline).
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{"{\"eventName\":\"X\",\"n\":[1,2]}", f, 0, 1, 0},
                                            {"{\"k\":\"v w\"}", f, 1, 1, 0}}));
}

TEST_F(SourceTest, EmptyRecordsArrayYieldsNothing) {
  std::string f = Write("d.json", "{\"Records\":[]}");
  EXPECT_TRUE(ReadAll({f}).empty());
  EXPECT_TRUE(sink_.letters.empty());
}

TEST_F(SourceTest, InvalidDocumentIsOneDeadLetterAndNextInputIsRead) {
  std::string bad = Write("1.json", "{\"Records\":[{\"a\":1},]}");
  std::string not_array = Write("2.json", "{\"Records\":{\"a\":1}}");
  std::string cut = Write("3.json", " {\"Records\":[{\"a\":1},");
  std::string good = Write("4.ndjson", "{\"x\":1}\n");
  EXPECT_EQ(ReadAll({bad, not_array, cut, good}),
            (std::vector<Rec>{{"{\"x\":1}", good, 0, 0, 1}}));
  ASSERT_EQ(sink_.letters.size(), 3u);
  const Letter& l = sink_.letters[0];
  EXPECT_EQ(l.reason, "invalid_document");
  EXPECT_EQ(l.detail,
            "The JSON document has an improper structure: missing or superfluous commas, "
            "braces, missing keys, etc.");
  EXPECT_EQ(std::tie(l.file, l.record_index, l.byte_offset, l.line),
            std::make_tuple(bad, uint64_t{0}, uint64_t{0}, uint64_t{0}));
  EXPECT_EQ(l.raw, "{\"Records\":[{\"a\":1},]}");
  EXPECT_FALSE(l.raw_truncated);
  EXPECT_EQ(sink_.letters[1].reason, "invalid_document");
  EXPECT_EQ(sink_.letters[1].detail, "\"Records\" is not an array");
  EXPECT_EQ(sink_.letters[1].file, not_array);
  const Letter& c = sink_.letters[2];
  EXPECT_EQ(c.reason, "invalid_document");
  EXPECT_EQ(c.detail, "JSON object cut off by the end of the input");
  EXPECT_EQ(std::tie(c.file, c.record_index, c.byte_offset, c.line),
            std::make_tuple(cut, uint64_t{0}, uint64_t{1}, uint64_t{0}));
  EXPECT_EQ(c.raw, "{\"Records\":[{\"a\":1},");
  EXPECT_FALSE(c.raw_truncated);
}

TEST_F(SourceTest, InvalidDocumentRawIsTruncatedTo4KiB) {
  std::string text = "{\"Records\":[";
  for (int i = 0; i < 3000; ++i) text += "1,";
  std::string f = Write("d.json", text);
  EXPECT_TRUE(ReadAll({f}).empty());
  ASSERT_EQ(sink_.letters.size(), 1u);
  EXPECT_EQ(sink_.letters[0].reason, "invalid_document");
  EXPECT_EQ(sink_.letters[0].raw, text.substr(0, 4096));
  EXPECT_TRUE(sink_.letters[0].raw_truncated);
}

TEST_F(SourceTest, OversizedDocumentElementIsTooLarge) {
  std::string f = Write("d.json", "{\"Records\":[{\"a\":\"xxxxxxxxxx\"},{\"b\":1}]}");
  SourceOptions options;
  options.max_record_bytes = 10;
  EXPECT_EQ(ReadAll({f}, options), (std::vector<Rec>{{"{\"b\":1}", f, 1, 0, 0}}));
  ASSERT_EQ(sink_.letters.size(), 1u);
  EXPECT_EQ(sink_.letters[0].reason, "too_large");
  EXPECT_EQ(sink_.letters[0].detail, "record of 18 bytes exceeds --max-record-bytes 10");
  EXPECT_EQ(sink_.letters[0].record_index, 0u);
  EXPECT_EQ(sink_.letters[0].raw, "{\"a\":\"xxxxxxxxxx\"}");
  EXPECT_FALSE(sink_.letters[0].raw_truncated);
}

TEST_F(SourceTest, GzipDetectedByMagicBytesNotName) {
  std::string ndjson = Write("plain.txt", Gzip("{\"a\":1}\n\n{\"b\":2}\n"));
  std::string doc = Write("doc.json.gz", Gzip("{\"Records\":[{\"a\":1},{\"c\":3}]}"));
  EXPECT_EQ(ReadAll({ndjson, doc}), (std::vector<Rec>{{"{\"a\":1}", ndjson, 0, 0, 1},
                                                      {"{\"b\":2}", ndjson, 1, 9, 3},
                                                      {"{\"a\":1}", doc, 0, 0, 0},
                                                      {"{\"c\":3}", doc, 1, 0, 0}}));
  EXPECT_TRUE(sink_.letters.empty());
}

TEST_F(SourceTest, ConcatenatedGzipMembers) {
  // The second record spans the two members.
  std::string f = Write("cat.gz", Gzip("{\"a\":1}\n{\"b\"") + Gzip(":2}\n{\"c\":3}\n"));
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{"{\"a\":1}", f, 0, 0, 1},
                                            {"{\"b\":2}", f, 1, 8, 2},
                                            {"{\"c\":3}", f, 2, 16, 3}}));
  EXPECT_TRUE(sink_.letters.empty());
}

TEST_F(SourceTest, LargeGzipIsInflatedInChunks) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "{\"i\":" + std::to_string(i) + "}\n";
  std::string f = Write("big.gz", Gzip(text));
  std::vector<Rec> records = ReadAll({f});
  ASSERT_EQ(records.size(), 100000u);
  // {"i":99999} starts after 10 records of 8 bytes, 90 of 9, 900 of 10,
  // 9000 of 11 and 90000 - 1 of 12.
  EXPECT_EQ(records.back(), Rec("{\"i\":99999}", f, 99999, 80 + 810 + 9000 + 99000 + 1079988,
                                100000));
}

TEST_F(SourceTest, CorruptGzipChecksumDeadLettersTheRest) {
  std::string gz = Gzip("{\"a\":1}\n{\"b\":2}");
  gz[gz.size() - 8] ^= 0xff;  // CRC-32 of the trailer
  std::string f = Write("bad.gz", gz);
  std::string next = Write("next.ndjson", "{\"n\":1}\n");
  EXPECT_EQ(ReadAll({f, next}), (std::vector<Rec>{{"{\"a\":1}", f, 0, 0, 1},
                                                  {"{\"n\":1}", next, 0, 0, 1}}));
  ASSERT_EQ(sink_.letters.size(), 1u);
  const Letter& l = sink_.letters[0];
  EXPECT_EQ(l.reason, "unreadable_input");
  EXPECT_EQ(l.detail, "incorrect data check");
  EXPECT_EQ(std::tie(l.file, l.record_index, l.byte_offset, l.line),
            std::make_tuple(f, uint64_t{1}, uint64_t{8}, uint64_t{2}));
  EXPECT_EQ(l.raw, "{\"b\":2}");  // the record the stream broke off in
  EXPECT_FALSE(l.raw_truncated);
}

TEST_F(SourceTest, CorruptGzipHeader) {
  std::string gz = Gzip("{\"a\":1}\n");
  gz[2] = 7;  // compression method
  std::string f = Write("bad.gz", gz);
  EXPECT_TRUE(ReadAll({f}).empty());
  ASSERT_EQ(sink_.letters.size(), 1u);
  EXPECT_EQ(sink_.letters[0].reason, "unreadable_input");
  EXPECT_EQ(sink_.letters[0].detail, "unknown compression method");
  EXPECT_EQ(sink_.letters[0].line, 1u);
  EXPECT_EQ(sink_.letters[0].raw, "");
}

TEST_F(SourceTest, TruncatedGzipAndTrailingGarbage) {
  std::string gz = Gzip("{\"a\":1}\n");
  std::string truncated = Write("t.gz", gz.substr(0, gz.size() - 8));
  std::string garbage = Write("g.gz", gz + "xyz\n");
  EXPECT_EQ(ReadAll({truncated, garbage}), (std::vector<Rec>{{"{\"a\":1}", truncated, 0, 0, 1},
                                                             {"{\"a\":1}", garbage, 0, 0, 1}}));
  ASSERT_EQ(sink_.letters.size(), 2u);
  EXPECT_EQ(sink_.letters[0].detail, "truncated gzip stream");
  EXPECT_EQ(std::tie(sink_.letters[0].file, sink_.letters[0].record_index,
                     sink_.letters[0].byte_offset, sink_.letters[0].line),
            std::make_tuple(truncated, uint64_t{1}, uint64_t{8}, uint64_t{2}));
  EXPECT_EQ(sink_.letters[1].detail, "incorrect header check");
  EXPECT_EQ(sink_.letters[1].file, garbage);
}

TEST_F(SourceTest, DirectoriesAreReadRecursivelyInSortedOrder) {
  std::string b = Write("in/b.ndjson", "{\"f\":\"b\"}\n");
  std::string z = Write("in/a/z.ndjson", "{\"f\":\"z\"}\n");
  std::string y = Write("in/a/c/y.ndjson", "{\"f\":\"y\"}\n");
  std::string a = Write("in/a.ndjson", "{\"f\":\"a\"}\n");
  fs::create_directories(fs::path(dir_) / "in/empty");
  std::string last = Write("last.ndjson", "{\"f\":\"last\"}\n");
  // '.' sorts before '/', so in/a.ndjson comes before in/a/…
  EXPECT_EQ(ReadAll({dir_ + "/in", last}),
            (std::vector<Rec>{{"{\"f\":\"a\"}", dir_ + "/in/a.ndjson", 0, 0, 1},
                              {"{\"f\":\"y\"}", dir_ + "/in/a/c/y.ndjson", 0, 0, 1},
                              {"{\"f\":\"z\"}", dir_ + "/in/a/z.ndjson", 0, 0, 1},
                              {"{\"f\":\"b\"}", dir_ + "/in/b.ndjson", 0, 0, 1},
                              {"{\"f\":\"last\"}", last, 0, 0, 1}}));
}

TEST_F(SourceTest, TooLargeLinesAreDeadLetteredAndTheStreamGoesOn) {
  std::string text = "{\"a\":1}\n";          // 0, line 1
  text += std::string(600000, 'x') + "\r\n";  // 8, line 2: longer than a read chunk
  text += "{\"b\":2}\n";                       // 600010, line 3
  text += std::string(101, 'y') + "\n";       // 600018, line 4: one byte too many
  text += std::string(100, 'z') + "\n";       // 600120, line 5: exactly the limit
  text += std::string(300000, 'w');           // 600221, line 6: no newline
  std::string f = Write("big.ndjson", text);
  SourceOptions options;
  options.max_record_bytes = 100;
  EXPECT_EQ(ReadAll({f}, options), (std::vector<Rec>{{"{\"a\":1}", f, 0, 0, 1},
                                                     {"{\"b\":2}", f, 2, 600010, 3},
                                                     {std::string(100, 'z'), f, 4, 600120, 5}}));
  ASSERT_EQ(sink_.letters.size(), 3u);
  const Letter& x = sink_.letters[0];
  EXPECT_EQ(x.reason, "too_large");
  EXPECT_EQ(x.detail, "record of 600000 bytes exceeds --max-record-bytes 100");
  EXPECT_EQ(std::tie(x.record_index, x.byte_offset, x.line),
            std::make_tuple(uint64_t{1}, uint64_t{8}, uint64_t{2}));
  EXPECT_EQ(x.raw, std::string(4096, 'x'));
  EXPECT_TRUE(x.raw_truncated);
  const Letter& y = sink_.letters[1];
  EXPECT_EQ(y.detail, "record of 101 bytes exceeds --max-record-bytes 100");
  EXPECT_EQ(std::tie(y.record_index, y.byte_offset, y.line),
            std::make_tuple(uint64_t{3}, uint64_t{600018}, uint64_t{4}));
  EXPECT_EQ(y.raw, std::string(101, 'y'));
  EXPECT_FALSE(y.raw_truncated);
  const Letter& w = sink_.letters[2];
  EXPECT_EQ(w.detail, "record of 300000 bytes exceeds --max-record-bytes 100");
  EXPECT_EQ(std::tie(w.record_index, w.byte_offset, w.line),
            std::make_tuple(uint64_t{5}, uint64_t{600221}, uint64_t{6}));
  EXPECT_EQ(w.raw, std::string(4096, 'w'));
  EXPECT_TRUE(w.raw_truncated);
}

TEST_F(SourceTest, TooLargeRawDoesNotSplitUtf8) {
  std::string line = "a";
  for (int i = 0; i < 3000; ++i) line += "\xc3\xa9";  // é at odd offsets
  std::string f = Write("u.ndjson", line + "\n");
  SourceOptions options;
  options.max_record_bytes = 100;
  EXPECT_TRUE(ReadAll({f}, options).empty());
  ASSERT_EQ(sink_.letters.size(), 1u);
  EXPECT_EQ(sink_.letters[0].raw, line.substr(0, 4095));
  EXPECT_TRUE(sink_.letters[0].raw_truncated);
}

TEST_F(SourceTest, MissingInputFailsUpFront) {
  std::string f = Write("a.ndjson", "{}\n");
  absl::StatusOr<std::unique_ptr<RecordSource>> source =
      OpenInputs({f, dir_ + "/missing.ndjson"}, {}, sink_);
  ASSERT_FALSE(source.ok());
  EXPECT_TRUE(absl::IsNotFound(source.status()));
  EXPECT_EQ(source.status().message(), "input not found: " + dir_ + "/missing.ndjson");
}

TEST_F(SourceTest, VanishedFileIsAnErrorAndTheSourceGoesOn) {
  std::string gone = Write("gone.ndjson", "{}\n");
  std::string kept = Write("kept.ndjson", "{\"k\":1}\n");
  absl::StatusOr<std::unique_ptr<RecordSource>> source = OpenInputs({gone, kept}, {}, sink_);
  ASSERT_TRUE(source.ok()) << source.status();
  fs::remove(gone);
  RawRecord record;
  absl::StatusOr<bool> more = (*source)->Next(record);
  EXPECT_TRUE(absl::IsNotFound(more.status())) << more.status();
  EXPECT_EQ(more.status().message(), "cannot open " + gone + ": No such file or directory");
  more = (*source)->Next(record);
  ASSERT_TRUE(more.ok() && *more);
  EXPECT_EQ(record.bytes, "{\"k\":1}");
  more = (*source)->Next(record);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

// Replaces fd 0 with the read end of a pipe for the duration of a test.
class StdinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    saved_stdin_ = dup(STDIN_FILENO);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    write_fd_ = fds[1];
    alarm(20);  // a source that waits for EOF would hang: fail instead
  }
  void TearDown() override {
    alarm(0);
    if (write_fd_ >= 0) close(write_fd_);
    dup2(saved_stdin_, STDIN_FILENO);
    close(saved_stdin_);
  }
  void Send(std::string_view bytes) {
    ASSERT_EQ(write(write_fd_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  void CloseWriteEnd() {
    close(write_fd_);
    write_fd_ = -1;
  }

  int saved_stdin_ = -1;
  int write_fd_ = -1;
  CollectingSink sink_;
};

TEST_F(StdinTest, RecordsArriveBeforeEndOfInput) {
  absl::StatusOr<std::unique_ptr<RecordSource>> source = OpenInputs({"-"}, {}, sink_);
  ASSERT_TRUE(source.ok()) << source.status();
  RawRecord record;
  Send("{\"a\":1}\n{\"b\"");
  absl::StatusOr<bool> more = (*source)->Next(record);
  ASSERT_TRUE(more.ok() && *more);
  EXPECT_EQ(Rec(std::string(record.bytes), record.position.file, record.position.record_index,
                record.position.byte_offset, record.position.line),
            Rec("{\"a\":1}", "-", 0, 0, 1));
  Send(":2}\n");
  more = (*source)->Next(record);
  ASSERT_TRUE(more.ok() && *more);
  EXPECT_EQ(Rec(std::string(record.bytes), record.position.file, record.position.record_index,
                record.position.byte_offset, record.position.line),
            Rec("{\"b\":2}", "-", 1, 8, 2));
  CloseWriteEnd();
  more = (*source)->Next(record);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

TEST_F(StdinTest, NoInputsMeansStdinAndGzipIsDetected) {
  Send(Gzip("{\"a\":1}\n\n{\"b\":2}"));
  CloseWriteEnd();
  absl::StatusOr<std::unique_ptr<RecordSource>> source = OpenInputs({}, {}, sink_);
  ASSERT_TRUE(source.ok()) << source.status();
  std::vector<Rec> records;
  RawRecord record;
  absl::StatusOr<bool> more;
  while ((more = (*source)->Next(record)).ok() && *more) {
    records.emplace_back(std::string(record.bytes), record.position.file,
                         record.position.record_index, record.position.byte_offset,
                         record.position.line);
  }
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_EQ(records, (std::vector<Rec>{{"{\"a\":1}", "-", 0, 0, 1}, {"{\"b\":2}", "-", 1, 9, 3}}));
}

TEST_F(StdinTest, OversizedLineArrivingInPieces) {
  SourceOptions options;
  options.max_record_bytes = 10;
  absl::StatusOr<std::unique_ptr<RecordSource>> source = OpenInputs({"-"}, options, sink_);
  ASSERT_TRUE(source.ok()) << source.status();
  // Pauses between the pieces make the source see the line grow past the
  // limit before its newline arrives.
  std::string piece(1000, 'p');
  std::thread writer([&] {
    Send(piece);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Send(piece);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Send(piece + "\n{}\n");
  });
  RawRecord record;
  absl::StatusOr<bool> more = (*source)->Next(record);
  writer.join();
  ASSERT_TRUE(more.ok() && *more);
  EXPECT_EQ(record.bytes, "{}");
  EXPECT_EQ(record.position.record_index, 1u);
  EXPECT_EQ(record.position.byte_offset, 3001u);
  ASSERT_EQ(sink_.letters.size(), 1u);
  EXPECT_EQ(sink_.letters[0].detail, "record of 3000 bytes exceeds --max-record-bytes 10");
  EXPECT_EQ(sink_.letters[0].raw, std::string(3000, 'p'));
  EXPECT_FALSE(sink_.letters[0].raw_truncated);
}

DeadLetter MakeLetter(std::string_view raw, bool truncated) {
  return DeadLetter{kReasonTooLarge, "big \"one\"", SourcePosition::InFile("f.ndjson", 3, 120, 4), raw,
                    truncated};
}

TEST(DeadLetterJson, TextRawAndTruncation) {
  EXPECT_EQ(NdjsonDeadLetterSink::ToJson(MakeLetter("ab\"c\n", true)),
            "{\"reason\":\"too_large\",\"detail\":\"big \\\"one\\\"\","
            "\"source\":{\"file\":\"f.ndjson\",\"record\":3,\"offset\":120,\"line\":4},"
            "\"raw\":\"ab\\\"c\\n\",\"raw_truncated\":true}");
}

TEST(DeadLetterJson, InvalidUtf8RawIsBase64) {
  DeadLetter letter{kReasonInvalidDocument, "bad", SourcePosition::InFile("d.json", 0, 0, 0),
                    "\xff\xfe", false};
  EXPECT_EQ(NdjsonDeadLetterSink::ToJson(letter),
            "{\"reason\":\"invalid_document\",\"detail\":\"bad\","
            "\"source\":{\"file\":\"d.json\",\"record\":0,\"offset\":0},"
            "\"raw_base64\":\"//4=\"}");
}

class SinkTest : public SourceTest {};

TEST_F(SinkTest, WriterWritesLinesToAFile) {
  std::string path = dir_ + "/out.ndjson";
  {
    absl::StatusOr<std::unique_ptr<NdjsonWriter>> writer = NdjsonWriter::Open(path);
    ASSERT_TRUE(writer.ok()) << writer.status();
    (*writer)->WriteLine("a");
    (*writer)->WriteLine("{\"b\":1}");
  }
  EXPECT_EQ(ReadFile(path), "a\n{\"b\":1}\n");
}

TEST_F(SinkTest, AppendingKeepsLinesAndEndsATornLastLine) {
  std::string path = dir_ + "/out.ndjson";
  auto append = [&](std::string_view line) {
    absl::StatusOr<std::unique_ptr<NdjsonWriter>> writer = NdjsonWriter::Open(path, /*append=*/true);
    ASSERT_TRUE(writer.ok()) << writer.status();
    (*writer)->WriteLine(line);
  };
  append("a");  // a new file: nothing to end
  append("b");
  EXPECT_EQ(ReadFile(path), "a\nb\n");
  Write("out.ndjson", "a\n{\"torn");  // as a run killed mid-write leaves it
  append("c");
  EXPECT_EQ(ReadFile(path), "a\n{\"torn\nc\n");
  {
    absl::StatusOr<std::unique_ptr<NdjsonWriter>> writer = NdjsonWriter::Open(path);  // not appending
    ASSERT_TRUE(writer.ok()) << writer.status();
  }
  EXPECT_EQ(ReadFile(path), "");
}

TEST_F(SinkTest, WriterReportsOpenErrors) {
  absl::StatusOr<std::unique_ptr<NdjsonWriter>> writer =
      NdjsonWriter::Open(dir_ + "/no/such/dir.ndjson");
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().message(),
            "cannot open " + dir_ + "/no/such/dir.ndjson for writing: No such file or directory");
}

TEST_F(SinkTest, AlertSinkWritesOneLinePerAlert) {
  std::string path = dir_ + "/alerts.ndjson";
  Alert alert;
  alert.alert_id = "0123";
  alert.rule = "r";
  alert.severity = "high";
  alert.fields_json = "{}";
  alert.position = SourcePosition::InFile("s.ndjson", 1, 8, 2);
  {
    absl::StatusOr<std::unique_ptr<NdjsonWriter>> writer = NdjsonWriter::Open(path);
    ASSERT_TRUE(writer.ok()) << writer.status();
    NdjsonAlertSink sink(std::move(*writer));
    sink.Write(alert);
    sink.Write(alert);
    ASSERT_TRUE(sink.Flush().ok());
    EXPECT_EQ(ReadFile(path), alert.ToJson() + "\n" + alert.ToJson() + "\n");
  }
}

TEST_F(SinkTest, DeadLetterSinkWritesAndCounts) {
  std::string path = dir_ + "/dead.ndjson";
  {
    absl::StatusOr<std::unique_ptr<NdjsonWriter>> writer = NdjsonWriter::Open(path);
    ASSERT_TRUE(writer.ok()) << writer.status();
    NdjsonDeadLetterSink sink(std::move(*writer));
    sink.Write(MakeLetter("x", false));
    sink.Write(MakeLetter("\xff", true));
    EXPECT_EQ(sink.count(), 2u);
  }
  EXPECT_EQ(ReadFile(path),
            "{\"reason\":\"too_large\",\"detail\":\"big \\\"one\\\"\","
            "\"source\":{\"file\":\"f.ndjson\",\"record\":3,\"offset\":120,\"line\":4},"
            "\"raw\":\"x\"}\n"
            "{\"reason\":\"too_large\",\"detail\":\"big \\\"one\\\"\","
            "\"source\":{\"file\":\"f.ndjson\",\"record\":3,\"offset\":120,\"line\":4},"
            "\"raw_base64\":\"/w==\",\"raw_truncated\":true}\n");
}

TEST(DeadLetterSinkWithoutWriter, DescribesTheFirstTenOnStderr) {
  NdjsonDeadLetterSink sink(nullptr);
  ::testing::internal::CaptureStderr();
  sink.Write(MakeLetter("x", false));
  sink.Write(DeadLetter{kReasonInvalidDocument, "parse error", SourcePosition::InFile("d.json", 2, 0, 0),
                        "", false});
  for (int i = 0; i < 10; ++i) sink.Write(MakeLetter("x", false));
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(sink.count(), 12u);
  std::string expected =
      "trailhound: dead letter: too_large at f.ndjson:4: big \"one\"\n"
      "trailhound: dead letter: invalid_document at d.json:record 2: parse error\n";
  for (int i = 0; i < 8; ++i) {
    expected += "trailhound: dead letter: too_large at f.ndjson:4: big \"one\"\n";
  }
  expected += "trailhound: further dead letters are only counted (--dead-letter FILE keeps them)\n";
  EXPECT_EQ(err, expected);
}

}  // namespace
}  // namespace trailhound

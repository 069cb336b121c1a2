// Followed inputs (connectors/follow_source.h): existing and new files in
// order, settling of files being written, the checkpoint (atomic write,
// restart, corruption), idle polling and dead letters while following.
#include "connectors/follow_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "tests/connectors/source_test_util.h"

namespace trailhound {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// (bytes, file)
using Got = std::pair<std::string, std::string>;

class FollowSourceTest : public SourceTest {
 protected:
  void SetUp() override {
    SourceTest::SetUp();
    in_ = dir_ + "/in";
    fs::create_directories(in_);
    fs::create_directories(dir_ + "/state");
    checkpoint_ = dir_ + "/state/checkpoint";
  }

  // Watching, polling every 10 ms, files ready as soon as they are seen.
  static FollowOptions Fast() {
    FollowOptions follow;
    follow.poll_interval = milliseconds(10);
    follow.settle = milliseconds(0);
    return follow;
  }

  std::unique_ptr<RecordSource> Open(const FollowOptions& follow,
                                     std::vector<std::string> inputs = {}) {
    if (inputs.empty()) inputs.push_back(in_);
    absl::StatusOr<std::unique_ptr<RecordSource>> source =
        OpenFollowedInputs(inputs, SourceOptions{}, follow, sink_);
    EXPECT_TRUE(source.ok()) << source.status();
    return source.ok() ? std::move(*source) : nullptr;
  }

  // Calls Next() until it returns false; error statuses are collected.
  std::vector<Got> Drain(RecordSource& source, std::vector<absl::Status>* errors = nullptr) {
    std::vector<Got> got;
    RawRecord record;
    while (true) {
      absl::StatusOr<bool> more = source.Next(record);
      if (!more.ok()) {
        if (errors != nullptr) {
          errors->push_back(more.status());
        } else {
          ADD_FAILURE() << more.status();
        }
        continue;
      }
      if (!*more) return got;
      got.emplace_back(std::string(record.bytes), record.position.file);
    }
  }

  // One record, waiting for it up to `patience`; empty bytes when none came.
  Got NextWithin(RecordSource& source, milliseconds patience) {
    Clock::time_point deadline = Clock::now() + patience;
    RawRecord record;
    do {
      absl::StatusOr<bool> more = source.Next(record);
      EXPECT_TRUE(more.ok()) << more.status();
      if (more.ok() && *more) return {std::string(record.bytes), record.position.file};
    } while (Clock::now() < deadline);
    return {};
  }

  std::string Key(const std::string& path) {
    return fs::absolute(path).lexically_normal().string();
  }

  std::string in_;
  std::string checkpoint_;
};

std::string Ndjson(std::string_view tag, int n) {
  std::string text;
  for (int i = 0; i < n; ++i) text += "{\"" + std::string(tag) + "\":" + std::to_string(i) + "}\n";
  return text;
}

TEST_F(FollowSourceTest, ExistingFilesAreReadInSortedOrderSkippingTemporaries) {
  std::string b = Write("in/sub/b.json", "{\"Records\":[{\"b\":1},{\"b\":2}]}");
  std::string a = Write("in/a.ndjson", "{\"a\":1}\n");
  std::string c = Write("in/c.json.gz", Gzip("{\"c\":1}\n"));
  Write("in/.hidden.json", "{\"hidden\":1}\n");
  Write("in/.staging/x.json", "{\"staging\":1}\n");
  Write("in/d.json.tmp", "{\"tmp\":1}\n");
  Write("in/e.json.partial", "{\"partial\":1}\n");
  std::unique_ptr<RecordSource> source = Open(Fast());
  ASSERT_NE(source, nullptr);
  EXPECT_TRUE(source->Live());
  EXPECT_EQ(Drain(*source), (std::vector<Got>{{"{\"a\":1}", a},
                                              {"{\"c\":1}", c},
                                              {"{\"b\":1}", b},
                                              {"{\"b\":2}", b}}));
  EXPECT_EQ(source->StatusText(), "files: 3 done, 0 pending");
  EXPECT_TRUE(sink_.letters.empty());
}

TEST_F(FollowSourceTest, InputsAreReadInTheirOrderThenByPath) {
  std::string x = Write("x/1.ndjson", "{\"x\":1}\n");
  std::string a = Write("in/1.ndjson", "{\"a\":1}\n");
  std::unique_ptr<RecordSource> source = Open(Fast(), {dir_ + "/x", in_});
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(Drain(*source), (std::vector<Got>{{"{\"x\":1}", x}, {"{\"a\":1}", a}}));
}

TEST_F(FollowSourceTest, TrailingSlashAndOverlappingInputsReadEachFileOnce) {
  std::string a = Write("in/a.ndjson", "{\"a\":1}\n");
  Write("in/.hidden/b.ndjson", "{\"b\":1}\n");
  std::unique_ptr<RecordSource> source = Open(Fast(), {in_ + "/", dir_});
  ASSERT_NE(source, nullptr);
  std::vector<Got> got = Drain(*source);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, "{\"a\":1}");
  EXPECT_EQ(Key(got[0].second), Key(a));
}

TEST_F(FollowSourceTest, NewFilesArePickedUpInSortedOrder) {
  std::string first = Write("in/2024/01/a.ndjson", "{\"n\":1}\n");
  std::unique_ptr<RecordSource> source = Open(Fast());
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(Drain(*source), (std::vector<Got>{{"{\"n\":1}", first}}));
  EXPECT_TRUE(Drain(*source).empty());  // idle

  std::string late = Write("in/2024/02/b.ndjson", "{\"n\":3}\n");
  std::string early = Write("in/2024/01/b.ndjson", "{\"n\":2}\n");
  Write("in/2024/02/c.ndjson.tmp", "{\"n\":0}\n");
  EXPECT_EQ(Drain(*source), (std::vector<Got>{{"{\"n\":2}", early}, {"{\"n\":3}", late}}));
  EXPECT_EQ(source->StatusText(), "files: 3 done, 0 pending");

  // The writer renames its temporary into place: now it is read.
  fs::rename(in_ + "/2024/02/c.ndjson.tmp", in_ + "/2024/02/c.ndjson");
  EXPECT_EQ(Drain(*source), (std::vector<Got>{{"{\"n\":0}", in_ + "/2024/02/c.ndjson"}}));
}

TEST_F(FollowSourceTest, GrowingFileIsReadOnlyOnceSettled) {
  // An old file is ready at once: its mtime is older than the settle time.
  std::string old = Write("in/0-old.ndjson", "{\"old\":1}\n");
  struct timespec times[2] = {{0, UTIME_OMIT}, {time(nullptr) - 3600, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, old.c_str(), times, 0), 0);

  FollowOptions follow = Fast();
  follow.settle = milliseconds(600);
  std::unique_ptr<RecordSource> source = Open(follow);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(NextWithin(*source, milliseconds(0)), (Got{"{\"old\":1}", old}));

  std::string growing = in_ + "/1-growing.ndjson";
  std::ofstream out(growing, std::ios::binary);
  for (int i = 0; i < 8; ++i) {
    out << "{\"g\":" << i << "}\n" << std::flush;
    RawRecord record;
    absl::StatusOr<bool> more = source->Next(record);
    ASSERT_TRUE(more.ok()) << more.status();
    EXPECT_FALSE(*more) << "read while still growing: " << record.bytes;
  }
  EXPECT_EQ(source->StatusText(), "files: 1 done, 1 pending");
  out << "{\"g\":8}\n";
  out.close();

  std::vector<Got> got;
  got.push_back(NextWithin(*source, milliseconds(5000)));
  for (Got& more : Drain(*source)) got.push_back(std::move(more));
  std::vector<Got> want;
  for (int i = 0; i <= 8; ++i) want.emplace_back("{\"g\":" + std::to_string(i) + "}", growing);
  EXPECT_EQ(got, want);
}

TEST_F(FollowSourceTest, NextReturnsFalseWithinAboutOnePollWhenIdle) {
  FollowOptions follow = Fast();
  follow.poll_interval = milliseconds(50);
  std::unique_ptr<RecordSource> source = Open(follow);
  ASSERT_NE(source, nullptr);
  Clock::time_point start = Clock::now();
  RawRecord record;
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<bool> more = source->Next(record);
    ASSERT_TRUE(more.ok()) << more.status();
    EXPECT_FALSE(*more);
  }
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  EXPECT_EQ(source->StatusText(), "files: 0 done, 0 pending");
}

TEST_F(FollowSourceTest, CheckpointIsWrittenAtomicallyAndReadBack) {
  std::string a = Write("in/a.ndjson", Ndjson("a", 2));
  std::string b = Write("in/b b.ndjson", Ndjson("b", 1));  // a space in the name
  FollowOptions follow = Fast();
  follow.checkpoint_path = checkpoint_;
  {
    std::unique_ptr<RecordSource> source = Open(follow);
    ASSERT_NE(source, nullptr);
    ASSERT_TRUE(source->Commit(false).ok());
    EXPECT_FALSE(fs::exists(checkpoint_)) << "nothing done: nothing to write";
    EXPECT_EQ(Drain(*source).size(), 3u);
    ASSERT_TRUE(source->Commit(false).ok());
    ASSERT_TRUE(source->Commit(true).ok());
  }
  std::string text = ReadFile(checkpoint_);
  auto line = [](const std::string& path) {
    struct stat st;
    EXPECT_EQ(stat(path.c_str(), &st), 0);
    int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    return "done " + std::to_string(st.st_size) + " " + std::to_string(mtime_ns) + " ";
  };
  EXPECT_EQ(text, "trailhound-checkpoint 1\n" + line(a) + Key(a) + "\n" + line(b) + Key(b) +
                      "\nend 2\n");
  EXPECT_FALSE(fs::exists(checkpoint_ + ".tmp"));
  // Only the checkpoint is in its directory.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ + "/state"), fs::directory_iterator()), 1);

  std::unique_ptr<RecordSource> again = Open(follow);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->StatusText(), "files: 2 done, 0 pending");
  EXPECT_TRUE(Drain(*again).empty());
}

TEST_F(FollowSourceTest, RestartSkipsDoneFilesAndRereadsTheOneInProgress) {
  std::string a = Write("in/a.ndjson", Ndjson("a", 2));
  std::string b = Write("in/b.ndjson", Ndjson("b", 2));
  std::string c = Write("in/c.ndjson", Ndjson("c", 1));
  FollowOptions follow = Fast();
  follow.checkpoint_path = checkpoint_;
  {
    std::unique_ptr<RecordSource> source = Open(follow);
    ASSERT_NE(source, nullptr);
    RawRecord record;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(*source->Next(record));  // a, a, first of b
    EXPECT_EQ(record.bytes, "{\"b\":0}");
    ASSERT_TRUE(source->Commit(false).ok());
    EXPECT_EQ(source->StatusText(), "files: 1 done, 2 pending");
    // Crash: no more Next, no final Commit.
  }
  std::unique_ptr<RecordSource> source = Open(follow);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(Drain(*source), (std::vector<Got>{{"{\"b\":0}", b}, {"{\"b\":1}", b}, {"{\"c\":0}", c}}));
  ASSERT_TRUE(source->Commit(true).ok());
  EXPECT_NE(ReadFile(checkpoint_).find("end 3\n"), std::string::npos);
}

TEST_F(FollowSourceTest, ReplacedDoneFileIsReadAgainAndVanishedOnesArePruned) {
  std::string a = Write("in/a.ndjson", Ndjson("a", 1));
  std::string b = Write("in/b.ndjson", Ndjson("b", 1));
  FollowOptions follow = Fast();
  follow.checkpoint_path = checkpoint_;
  {
    std::unique_ptr<RecordSource> source = Open(follow);
    ASSERT_NE(source, nullptr);
    EXPECT_EQ(Drain(*source).size(), 2u);
    ASSERT_TRUE(source->Commit(true).ok());
  }
  Write("in/a.ndjson", Ndjson("a", 2));  // replaced: another size
  fs::remove(b);
  std::unique_ptr<RecordSource> source = Open(follow);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(Drain(*source), (std::vector<Got>{{"{\"a\":0}", a}, {"{\"a\":1}", a}}));
  ASSERT_TRUE(source->Commit(true).ok());
  std::string text = ReadFile(checkpoint_);
  EXPECT_NE(text.find(Key(a)), std::string::npos);
  EXPECT_EQ(text.find(Key(b)), std::string::npos) << text;
  EXPECT_NE(text.find("end 1\n"), std::string::npos) << text;
}

TEST_F(FollowSourceTest, BatchRunWithCheckpointEndsAndResumes) {
  std::string a = Write("in/a.ndjson", Ndjson("a", 1));
  FollowOptions batch;
  batch.watch = false;
  batch.settle = milliseconds(60'000);  // not applied to a batch run
  batch.checkpoint_path = checkpoint_;
  {
    std::unique_ptr<RecordSource> source = Open(batch);
    ASSERT_NE(source, nullptr);
    EXPECT_FALSE(source->Live());
    EXPECT_EQ(Drain(*source), (std::vector<Got>{{"{\"a\":0}", a}}));
    RawRecord record;
    EXPECT_FALSE(*source->Next(record));  // stays at its end
    ASSERT_TRUE(source->Commit(true).ok());
  }
  std::string b = Write("in/b.ndjson", Ndjson("b", 1));
  std::unique_ptr<RecordSource> source = Open(batch);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(Drain(*source), (std::vector<Got>{{"{\"b\":0}", b}}));
}

TEST_F(FollowSourceTest, CorruptOrUnreadableCheckpointIsAnErrorAtOpen) {
  Write("in/a.ndjson", Ndjson("a", 1));
  FollowOptions follow = Fast();
  follow.checkpoint_path = checkpoint_;
  const std::string absolute = Key(in_ + "/a.ndjson");
  for (const std::string& text : std::vector<std::string>{
           "",
           "garbage\n",
           "trailhound-checkpoint 1\ndone 1 2 " + absolute + "\n",           // no end line
           "trailhound-checkpoint 1\ndone 1 2 " + absolute + "\nend 2\n",    // count
           "trailhound-checkpoint 1\ndone x 2 " + absolute + "\nend 1\n",    // size
           "trailhound-checkpoint 1\ndone 1 2 relative/path\nend 1\n",
           "trailhound-checkpoint 1\ndone 1 2 " + absolute + "\nend 1",      // no final newline
           "trailhound-checkpoint 2\nend 0\n",
       }) {
    std::ofstream(checkpoint_, std::ios::binary | std::ios::trunc) << text;
    absl::StatusOr<std::unique_ptr<RecordSource>> source =
        OpenFollowedInputs({in_}, SourceOptions{}, follow, sink_);
    ASSERT_FALSE(source.ok()) << "accepted: " << text;
    EXPECT_EQ(source.status().code(), absl::StatusCode::kDataLoss) << source.status();
    EXPECT_NE(source.status().message().find(checkpoint_), std::string::npos);
    EXPECT_NE(source.status().message().find("corrupt"), std::string::npos);
  }
  // A valid empty checkpoint is fine.
  std::ofstream(checkpoint_, std::ios::binary | std::ios::trunc) << "trailhound-checkpoint 1\nend 0\n";
  EXPECT_TRUE(OpenFollowedInputs({in_}, SourceOptions{}, follow, sink_).ok());

  // Unreadable: a directory where the file should be.
  fs::remove(checkpoint_);
  fs::create_directory(checkpoint_);
  absl::StatusOr<std::unique_ptr<RecordSource>> source =
      OpenFollowedInputs({in_}, SourceOptions{}, follow, sink_);
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("cannot read checkpoint"), std::string::npos)
      << source.status();
}

TEST_F(FollowSourceTest, BadArgumentsAreErrorsAtOpen) {
  FollowOptions follow = Fast();
  EXPECT_EQ(OpenFollowedInputs({}, SourceOptions{}, follow, sink_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenFollowedInputs({"-"}, SourceOptions{}, follow, sink_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenFollowedInputs({dir_ + "/missing"}, SourceOptions{}, follow, sink_).status().code(),
            absl::StatusCode::kNotFound);
  follow.checkpoint_path = in_ + "/sub/checkpoint";  // would be read as input
  EXPECT_EQ(OpenFollowedInputs({dir_}, SourceOptions{}, follow, sink_).status().code(),
            absl::StatusCode::kInvalidArgument);
  follow.checkpoint_path = dir_ + "/no-such-dir/checkpoint";
  EXPECT_EQ(OpenFollowedInputs({in_}, SourceOptions{}, follow, sink_).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(FollowSourceTest, DeadLettersFlowAndFollowingGoesOn) {
  std::string one = Write("in/1.json", "{\"Records\":[{\"n\":1}]}");
  std::unique_ptr<RecordSource> source = Open(Fast());
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(Drain(*source), (std::vector<Got>{{"{\"n\":1}", one}}));

  std::string bad = Write("in/2.json", "{\"Records\":[{\"n\":2},]}");
  std::string gz = Gzip("{\"n\":3}\n{\"n\":4}\n");
  std::string cut = Write("in/3.json.gz", std::string_view(gz).substr(0, gz.size() - 12));
  std::string four = Write("in/4.json", "{\"Records\":[{\"n\":5}]}");
  std::vector<Got> got = Drain(*source);
  // The truncated gzip may yield what inflated before the cut.
  std::erase_if(got, [&](const Got& g) { return g.second == cut; });
  EXPECT_EQ(got, (std::vector<Got>{{"{\"n\":5}", four}}));
  ASSERT_EQ(sink_.letters.size(), 2u);
  EXPECT_EQ(sink_.letters[0].reason, "invalid_document");
  EXPECT_EQ(sink_.letters[0].file, bad);
  EXPECT_EQ(sink_.letters[1].reason, "unreadable_input");
  EXPECT_EQ(sink_.letters[1].file, cut);
  EXPECT_EQ(source->StatusText(), "files: 4 done, 0 pending");

  std::string five = Write("in/5.json", "{\"Records\":[{\"n\":6}]}");
  EXPECT_EQ(Drain(*source), (std::vector<Got>{{"{\"n\":6}", five}}));
}

TEST_F(FollowSourceTest, AFileThatVanishesBeforeItIsOpenedIsReportedAndSkipped) {
  // Two files settle in the same scan; the second is deleted while the first
  // is read.
  std::string a = Write("in/a.ndjson", Ndjson("a", 1));
  std::string b = Write("in/b.ndjson", Ndjson("b", 1));
  std::unique_ptr<RecordSource> source = Open(Fast());
  ASSERT_NE(source, nullptr);
  RawRecord record;
  ASSERT_TRUE(*source->Next(record));
  fs::remove(b);
  std::vector<absl::Status> errors;
  EXPECT_TRUE(Drain(*source, &errors).empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code(), absl::StatusCode::kNotFound);
  EXPECT_NE(errors[0].message().find(b), std::string::npos) << errors[0];
  EXPECT_EQ(source->StatusText(), "files: 1 done, 0 pending");
  std::string c = Write("in/c.ndjson", Ndjson("c", 1));
  EXPECT_EQ(Drain(*source), (std::vector<Got>{{"{\"c\":0}", c}}));
}

}  // namespace
}  // namespace trailhound

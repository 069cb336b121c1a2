// Followed inputs: files and directories read as OpenInputs reads them
// (recursive, sorted, gzip and framing detected), then watched for new files
// as Firehose or CloudTrail (or `aws s3 sync`) deliver them, with an optional
// checkpoint of the files done so that a restart resumes where the last
// commit left off.
//
// Contract:
//  - A file is read once its size and mtime have been unchanged for
//    `settle` (or its mtime is already `settle` old), so a file still being
//    written is not read half-way. Dot-files, files under dot-directories and
//    names ending in .tmp or .partial are never read (writers' temporaries).
//  - Files that became ready in the same scan are read in input order, then
//    path order (for the files present at start: the order of OpenInputs).
//  - A file is identified by its path, size and mtime: one that changes
//    after it was read (replaced, appended to) is read again, whole.
//  - Commit() records every file whose records have all been returned as
//    done in the checkpoint (atomically: temp file, fsync, rename, fsync of
//    the directory). After a restart, done files are skipped; a file that was
//    being read is read again from its start: at-least-once, its alerts may
//    repeat with the same alert_id, none goes missing.
//  - A checkpoint that cannot be read or parsed is an error at open, never a
//    silent fresh start.
// Not thread-safe; one process per checkpoint file.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/record_source.h"
#include "core/dead_letter.h"

namespace trailhound {

struct FollowOptions {
  // true (--follow): watch for new files forever; the source is Live().
  // false: read the files present at open and end; with a checkpoint, a big
  // batch run that can be resumed.
  bool watch = true;
  // Where done files are recorded; empty: no checkpoint (Commit does nothing).
  std::string checkpoint_path;
  // How often the inputs are listed again for new files, and about the
  // longest Next() waits before returning false when nothing is ready.
  std::chrono::milliseconds poll_interval{500};
  // How long a file's size and mtime must stay unchanged before it is read
  // (watch mode only; a batch run reads what is there).
  std::chrono::milliseconds settle{5000};
};

// Opens the inputs (files or directories; not stdin) to be followed. Fails
// up front when an input does not exist, when the checkpoint exists but
// cannot be read or parsed, when the checkpoint's directory does not exist,
// or when the checkpoint lies inside an input directory.
//
// Next() returns an error status when an input could not be listed or a file
// could not be opened (e.g. it vanished); the caller reports it and calls
// again: the source goes on with the other files. Next() returns false
// (watch mode) after about one poll_interval without a ready file.
// StatusText() is "files: N done, M pending".
absl::StatusOr<std::unique_ptr<RecordSource>> OpenFollowedInputs(
    const std::vector<std::string>& inputs, const SourceOptions& options,
    const FollowOptions& follow, DeadLetterSink& dead_letters);

}  // namespace trailhound

// An alert sink that POSTs alerts (Alert::ToJson) to an HTTP(S) webhook with
// libcurl, from one background thread that keeps its connection alive.
//
// Contract:
// - Write() queues the alert and returns; when `queue_capacity` alerts are
//   waiting (plus one batch in flight) it blocks until there is room —
//   backpressure, nothing is dropped.
// - With batch_size 1 each POST body is one alert object; with batch_size > 1
//   it is always a JSON array of 1..batch_size alerts, in the order written
//   (the worker sends what is queued, it never waits for a batch to fill).
//   Content-Type is application/json.
// - 2xx acknowledges a request. Connect errors, timeouts, a closed connection,
//   HTTP 408, 429 and 5xx are retried with capped exponential backoff and
//   jitter; other statuses (3xx are not followed, other 4xx) fail at once.
// - Flush() returns OK once every alert written before it was acknowledged.
//   When a request still fails after the retries, the sink fails for good:
//   Flush() returns the error (URL without secrets, last HTTP status or curl
//   error), every later Flush() does too, and later Writes are counted as
//   failed and dropped without blocking. The run loop must then not commit
//   source offsets, so the records are re-read after a restart: delivery is
//   at-least-once (a retried or replayed alert may arrive twice; receivers
//   drop duplicates by `alert_id`).
// - Secrets are never printed: errors show the URL without userinfo, query
//   string or fragment, and never header values.
// - The destructor stops the worker at once (aborting a request in flight);
//   alerts not yet acknowledged are abandoned, so Flush() first.
// Write, Flush and stats may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/alert.h"

namespace trailhound {

struct WebhookSinkOptions {
  std::string url;  // http:// or https:// only
  // Extra request headers, each "Name: value" (e.g. "Authorization: Bearer
  // …"). Values are secret: never printed.
  std::vector<std::string> headers;
  size_t queue_capacity = 10000;  // alerts waiting to be sent
  // Alerts per POST. The default of 100 keeps up with alert bursts over a
  // slow link; set 1 for receivers that want one JSON object per request.
  size_t batch_size = 100;
  absl::Duration request_timeout = absl::Seconds(10);  // per attempt, connect
                                                       // included
  // Retries after the first attempt; the default (with the backoff below)
  // rides out an outage of about a minute before the sink fails.
  int max_retries = 8;
  absl::Duration initial_backoff = absl::Milliseconds(250);  // doubled per retry
  absl::Duration max_backoff = absl::Seconds(30);
};

struct WebhookSinkStats {
  uint64_t sent = 0;     // alerts acknowledged (2xx)
  uint64_t retried = 0;  // requests sent again after a retryable failure
  uint64_t failed = 0;   // alerts given up on (including those written after
                         // the sink failed)
  uint64_t queued = 0;   // alerts written but not yet acknowledged or failed
};

class WebhookAlertSink : public AlertSink {
 public:
  // Errors (InvalidArgument) for a URL that is not http(s)://host…, a header
  // that is not "Name: value", or a zero capacity or batch size.
  static absl::StatusOr<std::unique_ptr<WebhookAlertSink>> Create(WebhookSinkOptions options);

  ~WebhookAlertSink() override;
  WebhookAlertSink(const WebhookAlertSink&) = delete;
  WebhookAlertSink& operator=(const WebhookAlertSink&) = delete;

  void Write(const Alert& alert) override;
  absl::Status Flush() override;
  WebhookSinkStats stats() const;

  // The URL as printed: scheme, host, port and path only.
  const std::string& display_url() const { return display_url_; }

  // `url` without userinfo, query string and fragment.
  static std::string RedactUrl(const std::string& url);

 private:
  struct Curl;  // libcurl handles, used by the worker only

  WebhookAlertSink(WebhookSinkOptions options, std::string display_url, std::vector<std::string> secrets);
  void Run();
  // Posts `body` (carrying `count` alerts) until acknowledged, retries spent,
  // a permanent failure, or stop; OK only when acknowledged.
  absl::Status Deliver(const std::string& body, size_t count);
  // Replaces every secret in `text` (curl error messages can quote the URL).
  std::string Scrub(std::string text) const;

  const WebhookSinkOptions options_;
  const std::string display_url_;
  const std::vector<std::string> secrets_;
  std::unique_ptr<Curl> curl_;

  mutable std::mutex mutex_;
  std::condition_variable work_ready_;  // queue not empty, or stop
  std::condition_variable room_;        // queue has room, or failed
  std::condition_variable progress_;    // alerts acknowledged, or failed
  std::deque<std::string> queue_;
  uint64_t written_ = 0;  // alerts accepted by Write (not counting after failure)
  uint64_t done_ = 0;     // of those, acknowledged or given up
  uint64_t in_flight_ = 0;
  bool stop_ = false;
  absl::Status status_;   // the first delivery failure; sticks
  WebhookSinkStats stats_;

  std::thread worker_;  // last: starts after everything above exists
};

}  // namespace trailhound

// WebhookAlertSink against a real (tiny) HTTP server on 127.0.0.1: order,
// batching, retries, permanent failures, backpressure, secrets in errors.
#include "connectors/webhook_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace trailhound {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

struct Request {
  std::string request_line;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  std::string Header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "";
  }
};

// What the server does with the next request.
struct Reply {
  enum Kind { kStatus, kHang, kClose };
  Kind kind = kStatus;
  int status = 200;
  static Reply Status(int status) { return {kStatus, status}; }
  static Reply Hang() { return {kHang, 0}; }    // never answer; wait for the client to go
  static Reply Close() { return {kClose, 0}; }  // close the connection unanswered
};

// An HTTP/1.1 server with keep-alive, one thread per connection; answers
// requests as scripted, then 200. While the gate is closed, replies wait.
class TestServer {
 public:
  TestServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 16) != 0 ||
        pipe(stop_pipe_) != 0) {
      std::abort();
    }
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~TestServer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    (void)!write(stop_pipe_[1], "x", 1);  // stays readable: wakes every poll
    acceptor_.join();
    for (std::thread& t : connections_) t.join();
    close(listen_fd_);
    close(stop_pipe_[0]);
    close(stop_pipe_[1]);
  }

  int port() const { return port_; }
  std::string Url(const std::string& rest = "/hook") const { return absl::StrCat("http://127.0.0.1:", port_, rest); }

  void Script(std::vector<Reply> replies) {
    std::lock_guard<std::mutex> lock(mutex_);
    script_.insert(script_.end(), replies.begin(), replies.end());
  }
  void SetGateOpen(bool open) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      gate_open_ = open;
    }
    changed_.notify_all();
  }
  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  int connection_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(connections_.size());
  }
  bool WaitForRequests(size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, milliseconds(3000), [&] { return requests_.size() >= n; });
  }

 private:
  // Waits until `fd` is readable; false when the server stops first.
  bool WaitReadable(int fd) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    while (poll(fds, 2, -1) < 0) {
    }
    return (fds[1].revents & POLLIN) == 0;
  }

  void AcceptLoop() {
    while (WaitReadable(listen_fd_)) {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> lock(mutex_);
      connections_.emplace_back([this, fd] {
        Serve(fd);
        close(fd);
      });
    }
  }

  // Reads into `buffer` until it holds `n` bytes; false on EOF or stop.
  bool Fill(int fd, std::string& buffer, size_t n) {
    char chunk[4096];
    while (buffer.size() < n) {
      if (!WaitReadable(fd)) return false;
      ssize_t got = read(fd, chunk, sizeof chunk);
      if (got <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(got));
    }
    return true;
  }

  void Serve(int fd) {
    std::string buffer;
    for (;;) {
      size_t header_end;
      while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!Fill(fd, buffer, buffer.size() + 1)) return;
      }
      Request request;
      std::vector<std::string> lines = absl::StrSplit(buffer.substr(0, header_end), "\r\n");
      request.request_line = lines[0];
      size_t content_length = 0;
      for (size_t i = 1; i < lines.size(); ++i) {
        size_t colon = lines[i].find(':');
        std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
        std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
        if (name == "content-length") {
          EXPECT_TRUE(absl::SimpleAtoi(value, &content_length));
        }
        request.headers.emplace_back(name, value);
      }
      buffer.erase(0, header_end + 4);
      if (!Fill(fd, buffer, content_length)) return;
      request.body = buffer.substr(0, content_length);
      buffer.erase(0, content_length);

      Reply reply;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        requests_.push_back(std::move(request));
        if (!script_.empty()) {
          reply = script_.front();
          script_.pop_front();
        }
        changed_.notify_all();
        changed_.wait(lock, [this] { return gate_open_ || stopping_; });
      }
      switch (reply.kind) {
        case Reply::kClose:
          return;
        case Reply::kHang:
          while (WaitReadable(fd)) {  // until the client closes
            char c;
            if (read(fd, &c, 1) <= 0) return;
          }
          return;
        case Reply::kStatus: {
          std::string response = absl::StrCat("HTTP/1.1 ", reply.status, " Scripted\r\nContent-Length: 2\r\n\r\nok");
          if (send(fd, response.data(), response.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(response.size())) return;
        }
      }
    }
  }

  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::thread acceptor_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  bool gate_open_ = true;
  std::deque<Reply> script_;
  std::vector<Request> requests_;
  std::vector<std::thread> connections_;
};

// A port that refuses connections: bound, never listening.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::abort();
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~RefusingPort() { close(fd_); }
  std::string Url(const std::string& rest = "/hook") const { return absl::StrCat("http://127.0.0.1:", port_, rest); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

Alert MakeAlert(int i) {
  Alert alert;
  alert.alert_id = absl::StrCat("id-", i);
  alert.rule = "root_login";
  alert.severity = "high";
  alert.tags = {"t\"1"};
  alert.event_id = absl::StrCat("ev-", i);
  alert.fields_json = absl::StrCat("{\"n\":", i, "}");
  alert.position = SourcePosition::InFile("in.ndjson", i, 100 * i, i + 1);
  return alert;
}

WebhookSinkOptions FastOptions(const std::string& url) {
  WebhookSinkOptions options;
  options.url = url;
  options.request_timeout = absl::Seconds(2);
  options.max_retries = 5;
  options.initial_backoff = absl::Milliseconds(1);
  options.max_backoff = absl::Milliseconds(4);
  return options;
}

std::unique_ptr<WebhookAlertSink> MustCreate(WebhookSinkOptions options) {
  absl::StatusOr<std::unique_ptr<WebhookAlertSink>> sink = WebhookAlertSink::Create(std::move(options));
  EXPECT_TRUE(sink.ok()) << sink.status();
  return sink.ok() ? std::move(*sink) : nullptr;
}

// The alert ids in a request body (one object, or an array of them); fails
// the test when the body is not valid JSON of that shape.
std::vector<std::string> AlertIds(const std::string& body, bool expect_array) {
  std::vector<std::string> ids;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) {
    ADD_FAILURE() << "not JSON: " << body;
    return ids;
  }
  std::vector<simdjson::dom::element> alerts;
  if (expect_array) {
    simdjson::dom::array array;
    if (doc.get_array().get(array) != simdjson::SUCCESS) {
      ADD_FAILURE() << "not an array: " << body;
      return ids;
    }
    for (simdjson::dom::element e : array) alerts.push_back(e);
  } else {
    alerts.push_back(doc);
  }
  for (simdjson::dom::element alert : alerts) {
    std::string_view id;
    if (alert["alert_id"].get_string().get(id) != simdjson::SUCCESS) {
      ADD_FAILURE() << "no alert_id: " << body;
      continue;
    }
    ids.emplace_back(id);
  }
  return ids;
}

std::vector<std::string> ExpectedIds(int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back(absl::StrCat("id-", i));
  return ids;
}

TEST(WebhookSinkTest, DeliversInOrderExactlyOnceAsJsonArrays) {
  TestServer server;
  WebhookSinkOptions options = FastOptions(server.Url("/hook"));
  options.batch_size = 4;
  options.headers = {"Authorization: Bearer s3cr3t"};
  auto sink = MustCreate(options);
  ASSERT_NE(sink, nullptr);
  for (int i = 0; i < 10; ++i) sink->Write(MakeAlert(i));
  ASSERT_TRUE(sink->Flush().ok());

  std::vector<std::string> ids;
  for (const Request& request : server.requests()) {
    EXPECT_EQ(request.request_line, "POST /hook HTTP/1.1");
    EXPECT_EQ(request.Header("content-type"), "application/json");
    EXPECT_EQ(request.Header("authorization"), "Bearer s3cr3t");
    std::vector<std::string> batch = AlertIds(request.body, /*expect_array=*/true);
    EXPECT_GE(batch.size(), 1u);
    EXPECT_LE(batch.size(), 4u);
    ids.insert(ids.end(), batch.begin(), batch.end());
  }
  EXPECT_EQ(ids, ExpectedIds(10));
  EXPECT_EQ(server.connection_count(), 1);  // keep-alive
  WebhookSinkStats stats = sink->stats();
  EXPECT_EQ(stats.sent, 10u);
  EXPECT_EQ(stats.retried, 0u);
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(stats.queued, 0u);

  // The body is the alerts' own JSON, untouched.
  std::string first = server.requests()[0].body;
  EXPECT_TRUE(absl::StartsWith(first, "[" + MakeAlert(0).ToJson()));
}

TEST(WebhookSinkTest, BatchSizeOnePostsOneObjectPerRequest) {
  TestServer server;
  WebhookSinkOptions options = FastOptions(server.Url());
  options.batch_size = 1;
  auto sink = MustCreate(options);
  ASSERT_NE(sink, nullptr);
  for (int i = 0; i < 3; ++i) sink->Write(MakeAlert(i));
  ASSERT_TRUE(sink->Flush().ok());
  std::vector<Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(requests[i].body, MakeAlert(i).ToJson());
    EXPECT_EQ(AlertIds(requests[i].body, /*expect_array=*/false), std::vector<std::string>{absl::StrCat("id-", i)});
  }
  // Flush again with nothing new: still fine, nothing resent.
  EXPECT_TRUE(sink->Flush().ok());
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(WebhookSinkTest, RetriesServerErrorsAndTooManyRequestsThenSucceeds) {
  TestServer server;
  server.Script({Reply::Status(500), Reply::Status(429), Reply::Status(503), Reply::Status(408)});
  auto sink = MustCreate(FastOptions(server.Url()));
  ASSERT_NE(sink, nullptr);
  sink->Write(MakeAlert(0));
  ASSERT_TRUE(sink->Flush().ok());
  std::vector<Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 5u);
  for (const Request& request : requests) EXPECT_EQ(request.body, requests[0].body);
  WebhookSinkStats stats = sink->stats();
  EXPECT_EQ(stats.sent, 1u);
  EXPECT_EQ(stats.retried, 4u);
  EXPECT_EQ(stats.failed, 0u);
}

TEST(WebhookSinkTest, RetriesClosedConnectionsAndTimeouts) {
  TestServer server;
  server.Script({Reply::Close(), Reply::Hang()});
  WebhookSinkOptions options = FastOptions(server.Url());
  options.request_timeout = absl::Milliseconds(300);
  auto sink = MustCreate(options);
  ASSERT_NE(sink, nullptr);
  sink->Write(MakeAlert(0));
  ASSERT_TRUE(sink->Flush().ok());
  std::vector<Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(AlertIds(requests[2].body, true), ExpectedIds(1));
  EXPECT_EQ(sink->stats().retried, 2u);
  EXPECT_EQ(sink->stats().sent, 1u);
}

TEST(WebhookSinkTest, PermanentClientErrorFailsFlushForGood) {
  TestServer server;
  server.Script({Reply::Status(400)});
  WebhookSinkOptions options = FastOptions(server.Url());
  options.queue_capacity = 1;
  auto sink = MustCreate(options);
  ASSERT_NE(sink, nullptr);
  sink->Write(MakeAlert(0));
  absl::Status status = sink->Flush();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), absl::StrCat("webhook ", server.Url(), " rejected 1 alert: HTTP 400 (not retried)"));
  EXPECT_EQ(server.requests().size(), 1u);  // not retried

  // Failed for good: writes neither block (capacity 1) nor send; Flush fails.
  for (int i = 1; i < 5; ++i) sink->Write(MakeAlert(i));
  EXPECT_EQ(sink->Flush(), status);
  EXPECT_EQ(server.requests().size(), 1u);
  WebhookSinkStats stats = sink->stats();
  EXPECT_EQ(stats.sent, 0u);
  EXPECT_EQ(stats.failed, 5u);
  EXPECT_EQ(stats.queued, 0u);
}

TEST(WebhookSinkTest, ServerErrorsUntilRetriesRunOut) {
  TestServer server;
  server.Script({Reply::Status(200), Reply::Status(502), Reply::Status(502), Reply::Status(500)});
  WebhookSinkOptions options = FastOptions(server.Url());
  options.max_retries = 2;
  auto sink = MustCreate(options);
  ASSERT_NE(sink, nullptr);
  // Alerts 1 and 2 queue up while the server holds its answer to alert 0,
  // so they go as one batch.
  server.SetGateOpen(false);
  sink->Write(MakeAlert(0));
  ASSERT_TRUE(server.WaitForRequests(1));
  sink->Write(MakeAlert(1));
  sink->Write(MakeAlert(2));
  server.SetGateOpen(true);
  absl::Status status = sink->Flush();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(),
            absl::StrCat("webhook ", server.Url(), " could not take 2 alerts after 3 attempts; last: HTTP 500"));
  std::vector<Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(AlertIds(requests[3].body, true), (std::vector<std::string>{"id-1", "id-2"}));
  WebhookSinkStats stats = sink->stats();
  EXPECT_EQ(stats.sent, 1u);
  EXPECT_EQ(stats.retried, 2u);
  EXPECT_EQ(stats.failed, 2u);
}

TEST(WebhookSinkTest, ServerDownFailsAfterRetries) {
  RefusingPort down;
  WebhookSinkOptions options = FastOptions(down.Url());
  options.max_retries = 2;
  auto sink = MustCreate(options);
  ASSERT_NE(sink, nullptr);
  sink->Write(MakeAlert(0));
  absl::Status status = sink->Flush();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StartsWith(status.message(),
                               absl::StrCat("webhook ", down.Url(), " could not take 1 alert after 3 attempts; "
                                            "last: curl error 7 (Couldn't connect to server")))
      << status;
  WebhookSinkStats stats = sink->stats();
  EXPECT_EQ(stats.retried, 2u);
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(stats.queued, 0u);
  EXPECT_FALSE(sink->Flush().ok());
}

TEST(WebhookSinkTest, FullQueueBlocksTheWriterInsteadOfDropping) {
  TestServer server;
  server.SetGateOpen(false);  // the server holds its replies
  WebhookSinkOptions options = FastOptions(server.Url());
  options.queue_capacity = 2;
  options.batch_size = 1;
  auto sink = MustCreate(options);
  ASSERT_NE(sink, nullptr);

  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; i < 6; ++i) {
      sink->Write(MakeAlert(i));
      ++written;
    }
  });
  ASSERT_TRUE(server.WaitForRequests(1));
  // One alert in flight, two queued: the fourth Write must block.
  Clock::time_point deadline = Clock::now() + milliseconds(2000);
  while (written < 3 && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(1));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(written, 3);
  EXPECT_EQ(sink->stats().queued, 3u);

  server.SetGateOpen(true);
  writer.join();
  ASSERT_TRUE(sink->Flush().ok());
  std::vector<std::string> ids;
  for (const Request& request : server.requests()) {
    std::vector<std::string> one = AlertIds(request.body, false);
    ids.insert(ids.end(), one.begin(), one.end());
  }
  EXPECT_EQ(ids, ExpectedIds(6));
  EXPECT_EQ(sink->stats().sent, 6u);
}

TEST(WebhookSinkTest, SecretsNeverAppearInErrors) {
  const std::vector<std::string> secrets = {"hunter2", "TOKENSECRET", "FRAGSECRET", "HEADERSECRET", "alice"};
  auto expect_clean = [&](const absl::Status& status) {
    EXPECT_FALSE(status.ok());
    for (const std::string& secret : secrets) {
      EXPECT_FALSE(absl::StrContains(status.message(), secret)) << status;
    }
  };
  const std::string rest = "/hook?token=TOKENSECRET#FRAGSECRET";
  const std::vector<std::string> headers = {"X-Api-Key: HEADERSECRET"};

  {  // permanent rejection
    TestServer server;
    server.Script({Reply::Status(401)});
    WebhookSinkOptions options =
        FastOptions(absl::StrCat("http://alice:hunter2@127.0.0.1:", server.port(), rest));
    options.headers = headers;
    auto sink = MustCreate(options);
    ASSERT_NE(sink, nullptr);
    EXPECT_EQ(sink->display_url(), server.Url("/hook"));
    sink->Write(MakeAlert(0));
    absl::Status status = sink->Flush();
    expect_clean(status);
    EXPECT_TRUE(absl::StrContains(status.message(), server.Url("/hook"))) << status;
    EXPECT_TRUE(absl::StrContains(status.message(), "HTTP 401")) << status;
    ASSERT_EQ(server.requests().size(), 1u);
    EXPECT_EQ(server.requests()[0].request_line, "POST /hook?token=TOKENSECRET HTTP/1.1");
    EXPECT_EQ(server.requests()[0].Header("x-api-key"), "HEADERSECRET");
  }
  {  // connection refused
    RefusingPort down;
    WebhookSinkOptions options = FastOptions(down.Url(rest));
    options.url.insert(strlen("http://"), "alice:hunter2@");
    options.headers = headers;
    options.max_retries = 0;
    auto sink = MustCreate(options);
    ASSERT_NE(sink, nullptr);
    sink->Write(MakeAlert(0));
    absl::Status status = sink->Flush();
    expect_clean(status);
    EXPECT_TRUE(absl::StrContains(status.message(), down.Url("/hook"))) << status;
  }
  // Bad options.
  WebhookSinkOptions options = FastOptions("ftp://alice:hunter2@example.com" + rest);
  absl::Status status = WebhookAlertSink::Create(options).status();
  expect_clean(status);
  EXPECT_EQ(status.message(), "webhook URL ftp://example.com/hook: only http:// and https:// are supported");
  options.url = "alice:hunter2@example.com" + rest;  // no scheme
  expect_clean(WebhookAlertSink::Create(options).status());
  options.url = "http://example.com" + rest;
  options.headers = {"Bearer HEADERSECRET"};  // no name
  status = WebhookAlertSink::Create(options).status();
  expect_clean(status);
  EXPECT_EQ(status.message(), "webhook header #1 is not \"Name: value\"");
  options.headers = {"Authorization: Bearer HEADERSECRET\r\nX: y"};
  status = WebhookAlertSink::Create(options).status();
  expect_clean(status);
  EXPECT_EQ(status.message(), "webhook header Authorization contains a line break");
}

TEST(WebhookSinkTest, FlushWithNothingWrittenReturnsAtOnce) {
  RefusingPort down;
  auto sink = MustCreate(FastOptions(down.Url()));
  ASSERT_NE(sink, nullptr);
  Clock::time_point start = Clock::now();
  EXPECT_TRUE(sink->Flush().ok());
  EXPECT_LT(Clock::now() - start, milliseconds(100));
  WebhookSinkStats stats = sink->stats();
  EXPECT_EQ(stats.sent + stats.retried + stats.failed + stats.queued, 0u);
}

TEST(WebhookSinkTest, DestructorInterruptsARequestInFlight) {
  TestServer server;
  server.Script({Reply::Hang()});
  WebhookSinkOptions options = FastOptions(server.Url());
  options.request_timeout = absl::Seconds(30);
  auto sink = MustCreate(options);
  ASSERT_NE(sink, nullptr);
  sink->Write(MakeAlert(0));
  ASSERT_TRUE(server.WaitForRequests(1));
  Clock::time_point start = Clock::now();
  sink.reset();
  EXPECT_LT(Clock::now() - start, milliseconds(500));
}

TEST(WebhookSinkTest, RejectsBadOptions) {
  auto error = [](const std::string& url, size_t capacity = 10, size_t batch = 10) {
    WebhookSinkOptions options;
    options.url = url;
    options.queue_capacity = capacity;
    options.batch_size = batch;
    return std::string(WebhookAlertSink::Create(options).status().message());
  };
  EXPECT_EQ(error("localhost:8080/x"), "webhook URL must start with http:// or https://");
  EXPECT_EQ(error("file:///etc/passwd"), "webhook URL file:///etc/passwd: only http:// and https:// are supported");
  EXPECT_EQ(error("http:///path"), "webhook URL http:///path has no host");
  EXPECT_EQ(error("https://:443/path"), "webhook URL https://:443/path has no host");
  EXPECT_EQ(error("http://h/x", 0), "webhook queue capacity and batch size must be at least 1");
  EXPECT_EQ(error("http://h/x", 10, 0), "webhook queue capacity and batch size must be at least 1");
  EXPECT_EQ(error("HTTPS://example.com/x"), "");  // schemes are case-insensitive
}

TEST(WebhookSinkTest, RedactUrlKeepsHostPortAndPathOnly) {
  EXPECT_EQ(WebhookAlertSink::RedactUrl("https://u:p@h.example:8443/a/b?k=v#f"), "https://h.example:8443/a/b");
  EXPECT_EQ(WebhookAlertSink::RedactUrl("http://h?k=v"), "http://h");
  EXPECT_EQ(WebhookAlertSink::RedactUrl("http://a@b@h/p"), "http://h/p");
  EXPECT_EQ(WebhookAlertSink::RedactUrl("h/p?k=v"), "<url without scheme>");
}

}  // namespace
}  // namespace trailhound

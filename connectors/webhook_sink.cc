#include "connectors/webhook_sink.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"

namespace trailhound {
namespace {

// curl_global_init is not safe to race with other libcurl calls; a
// function-local static runs it exactly once, thread-safely. Never cleaned
// up: other sinks may still use libcurl at exit.
CURLcode InitCurlOnce() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  return code;
}

size_t DiscardBody(char* /*data*/, size_t size, size_t count, void* /*user*/) { return size * count; }

struct UrlParts {
  std::string scheme;    // lower case
  std::string userinfo;  // without '@'
  std::string host_port;
  std::string path;
  std::string query;     // without '?'
  std::string fragment;  // without '#'
};

// A lenient split of scheme://[userinfo@]host[:port][/path][?query][#fragment];
// false when there is no "://".
bool SplitUrl(absl::string_view url, UrlParts* parts) {
  size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) return false;
  parts->scheme = absl::AsciiStrToLower(url.substr(0, scheme_end));
  absl::string_view rest = url.substr(scheme_end + 3);
  size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  absl::string_view authority = rest.substr(0, authority_end);
  size_t at = authority.rfind('@');
  if (at != absl::string_view::npos) {
    parts->userinfo = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  parts->host_port = std::string(authority);
  rest = rest.substr(authority_end);
  size_t hash = rest.find('#');
  if (hash != absl::string_view::npos) {
    parts->fragment = std::string(rest.substr(hash + 1));
    rest = rest.substr(0, hash);
  }
  size_t question = rest.find('?');
  if (question != absl::string_view::npos) {
    parts->query = std::string(rest.substr(question + 1));
    rest = rest.substr(0, question);
  }
  parts->path = std::string(rest);
  return true;
}

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || absl::StrContains("!#$%&'*+-.^_`|~", c);
}

// Transport failures that retrying cannot fix.
bool IsPermanent(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_OUT_OF_MEMORY:
      return true;
    default:
      return false;
  }
}

bool IsRetryableHttp(long status) { return status == 408 || status == 429 || (status >= 500 && status <= 599); }

long Millis(absl::Duration d) { return static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(d))); }

}  // namespace

struct WebhookAlertSink::Curl {
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};

  ~Curl() {
    if (multi != nullptr) curl_multi_cleanup(multi);
    if (easy != nullptr) curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
  }
};

std::string WebhookAlertSink::RedactUrl(const std::string& url) {
  UrlParts parts;
  if (!SplitUrl(url, &parts)) return "<url without scheme>";
  return absl::StrCat(parts.scheme, "://", parts.host_port, parts.path);
}

absl::StatusOr<std::unique_ptr<WebhookAlertSink>> WebhookAlertSink::Create(WebhookSinkOptions options) {
  UrlParts parts;
  if (!SplitUrl(options.url, &parts)) {
    return absl::InvalidArgumentError("webhook URL must start with http:// or https://");
  }
  std::string display_url = RedactUrl(options.url);
  if (parts.scheme != "http" && parts.scheme != "https") {
    return absl::InvalidArgumentError(
        absl::StrCat("webhook URL ", display_url, ": only http:// and https:// are supported"));
  }
  if (parts.host_port.empty() || parts.host_port[0] == ':') {
    return absl::InvalidArgumentError(absl::StrCat("webhook URL ", display_url, " has no host"));
  }
  if (options.queue_capacity == 0 || options.batch_size == 0) {
    return absl::InvalidArgumentError("webhook queue capacity and batch size must be at least 1");
  }
  if (options.request_timeout <= absl::ZeroDuration() || options.max_retries < 0 ||
      options.initial_backoff < absl::ZeroDuration() || options.max_backoff < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "webhook request timeout must be positive, retries and backoff not negative");
  }

  // Secrets to scrub from curl's messages: userinfo (and its password alone),
  // query, fragment, header values.
  std::vector<std::string> secrets;
  auto add_secret = [&secrets](absl::string_view s) {
    s = absl::StripAsciiWhitespace(s);
    if (!s.empty()) secrets.emplace_back(s);
  };
  add_secret(parts.userinfo);
  if (size_t colon = parts.userinfo.find(':'); colon != std::string::npos) {
    add_secret(absl::string_view(parts.userinfo).substr(colon + 1));
  }
  add_secret(parts.query);
  add_secret(parts.fragment);
  bool has_content_type = false;
  for (size_t i = 0; i < options.headers.size(); ++i) {
    absl::string_view header = options.headers[i];
    size_t colon = header.find(':');
    absl::string_view name = header.substr(0, colon);
    bool name_ok = colon != absl::string_view::npos && !name.empty() && std::all_of(name.begin(), name.end(), IsTokenChar);
    if (!name_ok) {
      // Without a valid name, the whole string may be the secret: print none of it.
      return absl::InvalidArgumentError(absl::StrCat("webhook header #", i + 1, " is not \"Name: value\""));
    }
    if (header.find_first_of("\r\n") != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("webhook header ", name, " contains a line break"));
    }
    add_secret(header.substr(colon + 1));
    if (absl::EqualsIgnoreCase(name, "Content-Type")) has_content_type = true;
  }
  // Longest first, so a secret containing another is replaced whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });

  if (InitCurlOnce() != CURLE_OK) {
    return absl::InternalError(absl::StrCat("libcurl initialisation failed: ", curl_easy_strerror(InitCurlOnce())));
  }
  CURLU* parsed = curl_url();
  CURLUcode url_code = parsed == nullptr ? CURLUE_OUT_OF_MEMORY : curl_url_set(parsed, CURLUPART_URL, options.url.c_str(), 0);
  curl_url_cleanup(parsed);
  if (url_code != CURLUE_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("webhook URL ", display_url, " is malformed: ", curl_url_strerror(url_code)));
  }

  auto curl = std::make_unique<Curl>();
  curl->multi = curl_multi_init();
  curl->easy = curl_easy_init();
  if (curl->multi == nullptr || curl->easy == nullptr) {
    return absl::InternalError("webhook: cannot create libcurl handles");
  }
  auto append = [&curl](const char* header) {
    curl_slist* list = curl_slist_append(curl->headers, header);
    if (list != nullptr) curl->headers = list;
    return list != nullptr;
  };
  bool headers_ok = (has_content_type || append("Content-Type: application/json")) &&
                    append("Expect:");  // no 100-continue round trip for big batches
  for (const std::string& header : options.headers) headers_ok = headers_ok && append(header.c_str());
  if (!headers_ok) return absl::InternalError("webhook: out of memory building headers");

  CURL* easy = curl->easy;
  bool options_ok =
      curl_easy_setopt(easy, CURLOPT_URL, options.url.c_str()) == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_POST, 1L) == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_HTTPHEADER, curl->headers) == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_USERAGENT, "trailhound") == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &DiscardBody) == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl->error) == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, Millis(options.request_timeout)) == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, Millis(options.request_timeout)) == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK;
  if (!options_ok) return absl::InternalError("webhook: libcurl rejected an option");

  std::unique_ptr<WebhookAlertSink> sink(
      new WebhookAlertSink(std::move(options), std::move(display_url), std::move(secrets)));
  sink->curl_ = std::move(curl);
  sink->worker_ = std::thread(&WebhookAlertSink::Run, sink.get());
  return sink;
}

WebhookAlertSink::WebhookAlertSink(WebhookSinkOptions options, std::string display_url,
                                   std::vector<std::string> secrets)
    : options_(std::move(options)), display_url_(std::move(display_url)), secrets_(std::move(secrets)) {}

WebhookAlertSink::~WebhookAlertSink() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_ready_.notify_all();
  room_.notify_all();
  progress_.notify_all();
  if (curl_ != nullptr) curl_multi_wakeup(curl_->multi);  // interrupts a request in flight
  if (worker_.joinable()) worker_.join();
}

void WebhookAlertSink::Write(const Alert& alert) {
  std::string json = alert.ToJson();
  std::unique_lock<std::mutex> lock(mutex_);
  room_.wait(lock, [this] { return queue_.size() < options_.queue_capacity || !status_.ok() || stop_; });
  if (!status_.ok() || stop_) {
    ++stats_.failed;
    return;
  }
  queue_.push_back(std::move(json));
  ++written_;
  work_ready_.notify_one();
}

absl::Status WebhookAlertSink::Flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t target = written_;
  progress_.wait(lock, [&] { return done_ >= target || !status_.ok() || stop_; });
  if (status_.ok() && done_ < target) {
    return absl::CancelledError(absl::StrCat("webhook ", display_url_, ": sink stopped before delivering"));
  }
  return status_;
}

WebhookSinkStats WebhookAlertSink::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  WebhookSinkStats stats = stats_;
  stats.queued = written_ - done_;
  return stats;
}

void WebhookAlertSink::Run() {
  std::vector<std::string> batch;
  std::string body;
  for (;;) {
    std::unique_lock<std::mutex> lock(mutex_);
    work_ready_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    size_t count = std::min(options_.batch_size, queue_.size());
    batch.clear();
    for (size_t i = 0; i < count; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    room_.notify_all();

    if (options_.batch_size == 1) {
      body = std::move(batch[0]);
    } else {
      body = "[";
      for (size_t i = 0; i < count; ++i) absl::StrAppend(&body, i == 0 ? "" : ",", batch[i]);
      body += "]";
    }
    absl::Status status = Deliver(body, count);

    lock.lock();
    if (stop_) return;  // abandoned mid-delivery by the destructor
    if (status.ok()) {
      stats_.sent += count;
      done_ += count;
    } else {
      // Failed for good: give up on everything queued too, and unblock
      // writers (later Writes are counted as failed).
      status_ = std::move(status);
      uint64_t dropped = count + queue_.size();
      stats_.failed += dropped;
      done_ += dropped;
      queue_.clear();
      room_.notify_all();
    }
    progress_.notify_all();
  }
}

absl::Status WebhookAlertSink::Deliver(const std::string& body, size_t count) {
  std::minstd_rand random(std::random_device{}());
  CURL* easy = curl_->easy;
  for (int attempt = 0;; ++attempt) {
    curl_->error[0] = '\0';
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.data());

    // The multi interface, so the destructor can interrupt a transfer with
    // curl_multi_wakeup; its connection cache keeps the connection alive
    // between requests.
    CURLcode result = CURLE_OK;
    std::string multi_error;
    bool finished = false;
    bool stopped = false;
    CURLMcode multi_code = curl_multi_add_handle(curl_->multi, easy);
    while (multi_code == CURLM_OK) {
      int running = 0;
      multi_code = curl_multi_perform(curl_->multi, &running);
      if (multi_code != CURLM_OK) break;
      int left = 0;
      while (CURLMsg* message = curl_multi_info_read(curl_->multi, &left)) {
        if (message->msg == CURLMSG_DONE && message->easy_handle == easy) {
          result = message->data.result;
          finished = true;
        }
      }
      if (finished) break;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        stopped = stop_;
      }
      if (stopped) break;
      multi_code = curl_multi_poll(curl_->multi, nullptr, 0, 1000, nullptr);
    }
    if (multi_code != CURLM_OK) multi_error = curl_multi_strerror(multi_code);
    curl_multi_remove_handle(curl_->multi, easy);
    if (stopped) return absl::CancelledError("webhook sink stopped");

    std::string what;
    bool retryable;
    if (!multi_error.empty()) {
      what = absl::StrCat("libcurl: ", multi_error);
      retryable = false;
    } else if (result != CURLE_OK) {
      what = absl::StrCat("curl error ", static_cast<int>(result), " (", curl_easy_strerror(result));
      if (curl_->error[0] != '\0') absl::StrAppend(&what, ": ", Scrub(curl_->error));
      what += ")";
      retryable = !IsPermanent(result);
    } else {
      long http_status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http_status);
      if (http_status >= 200 && http_status <= 299) return absl::OkStatus();
      what = absl::StrCat("HTTP ", http_status);
      retryable = IsRetryableHttp(http_status);
    }

    const char* noun = count == 1 ? " alert" : " alerts";
    if (!retryable) {
      return absl::FailedPreconditionError(
          absl::StrCat("webhook ", display_url_, " rejected ", count, noun, ": ", what, " (not retried)"));
    }
    if (attempt >= options_.max_retries) {
      return absl::UnavailableError(absl::StrCat("webhook ", display_url_, " could not take ", count, noun,
                                                 " after ", attempt + 1, " attempts; last: ", what));
    }

    // Exponential backoff, capped, with "equal jitter": half fixed, half random.
    absl::Duration backoff = options_.initial_backoff;
    for (int i = 0; i < attempt && backoff < options_.max_backoff; ++i) backoff *= 2;
    backoff = std::min(backoff, options_.max_backoff);
    int64_t half_us = absl::ToInt64Microseconds(backoff) / 2;
    int64_t wait_us = half_us + std::uniform_int_distribution<int64_t>(0, half_us)(random);
    std::unique_lock<std::mutex> lock(mutex_);
    ++stats_.retried;
    if (work_ready_.wait_for(lock, std::chrono::microseconds(wait_us), [this] { return stop_; })) {
      return absl::CancelledError("webhook sink stopped");
    }
  }
}

std::string WebhookAlertSink::Scrub(std::string text) const {
  for (const std::string& secret : secrets_) {
    absl::StrReplaceAll({{secret, "<redacted>"}}, &text);
  }
  return text;
}

}  // namespace trailhound

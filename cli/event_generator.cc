// Deterministic synthetic CloudTrail: a fixed cast of ~30 principals in four
// accounts doing mostly reads and S3 data events, with a thin tail of the
// changes that detection runbooks look for (IAM policy changes, security
// groups opened to the world, logging tampering, console login failures,
// AccessDenied errors, ...).
//
// Determinism: one xoshiro256** stream seeded with splitmix64 drives every
// choice; integer arithmetic only (no <random> distributions, no floating
// point, no clock, no locale), so the same (count, seed) gives the same bytes
// everywhere.
#include "cli/event_generator.h"

#include <array>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_text.h"

namespace trailhound {
namespace {

// ---------------------------------------------------------------------------
// Randomness

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A bijection on 64-bit values (the splitmix64 finaliser).
uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t HashString(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, then mixed
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return Mix64(h);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t sm = seed;
    for (auto& w : s_) w = SplitMix64(sm);
  }
  uint64_t Next() {  // xoshiro256**
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) for n < 2^32 (multiply-shift; bias is negligible).
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>(((Next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  uint32_t Range(uint32_t lo, uint32_t hi) { return lo + Below(hi - lo + 1); }
  // True with probability per_mille / 1000.
  bool Chance(uint32_t per_mille) { return Below(1000) < per_mille; }
  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& a) {
    return a[Below(static_cast<uint32_t>(N))];
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// ---------------------------------------------------------------------------
// Small text helpers

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kUpperAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr char kIamIdChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";  // as AWS ids
constexpr char kBase64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Room for `n` more bytes at the end of `s`.
char* Extend(std::string& s, size_t n) {
  const size_t old = s.size();
  s.resize(old + n);
  return &s[old];
}
template <typename S>
char* Extend(S& s, size_t n) {
  return s.Extend(n);
}

template <typename S>
void AppendHex(S& s, uint64_t v, int digits, bool upper = false) {
  const char* hex = upper ? kHexUpper : kHexLower;
  char* p = Extend(s, static_cast<size_t>(digits));
  for (int i = digits - 1; i >= 0; --i) *p++ = hex[(v >> (4 * i)) & 15];
}

template <typename S>
void AppendUint(S& s, uint64_t v) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) s.push_back(buf[--n]);
}

template <typename S>
void AppendPadded(S& s, uint64_t v, int width) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < width) buf[n++] = '0';
  char* p = Extend(s, static_cast<size_t>(n));
  while (n > 0) *p++ = buf[--n];
}

// A 20-character AWS-style id from a fixed prefix and a hash ("AIDA…").
std::string AwsId(std::string_view prefix, std::string_view name, int len = 21) {
  std::string out(prefix);
  uint64_t h = HashString(name);
  uint64_t h2 = Mix64(h ^ 0x5bd1e995ULL);
  while (static_cast<int>(out.size()) < len) {
    out.push_back(kIamIdChars[h & 31]);
    h >>= 5;
    if (h == 0) {
      h = h2;
      h2 = Mix64(h2 + 1);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Time (seconds since the Unix epoch, UTC; proleptic Gregorian)

struct Civil {
  int64_t year;
  unsigned month, day;
};

Civil CivilFromDays(int64_t z) {  // Howard Hinnant's algorithm
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const uint64_t doe = static_cast<uint64_t>(z - era * 146097);
  const uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint64_t mp = (5 * doy + 2) / 153;
  const unsigned d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const unsigned m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return {y + (m <= 2), m, d};
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// "2023-10-01T08:15:02Z"
template <typename S>
void AppendIsoTime(S& s, int64_t secs) {
  const int64_t days = FloorDiv(secs, 86400);
  const int64_t sod = secs - days * 86400;
  const Civil c = CivilFromDays(days);
  AppendPadded(s, static_cast<uint64_t>(c.year), 4);
  s.push_back('-');
  AppendPadded(s, c.month, 2);
  s.push_back('-');
  AppendPadded(s, c.day, 2);
  s.push_back('T');
  AppendPadded(s, static_cast<uint64_t>(sod / 3600), 2);
  s.push_back(':');
  AppendPadded(s, static_cast<uint64_t>(sod / 60 % 60), 2);
  s.push_back(':');
  AppendPadded(s, static_cast<uint64_t>(sod % 60), 2);
  s.push_back('Z');
}

// "Oct 1, 2023, 8:15:02 AM" (as IAM/STS/KMS responseElements write dates)
template <typename S>
void AppendAwsDisplayTime(S& s, int64_t secs) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const int64_t days = FloorDiv(secs, 86400);
  const int64_t sod = secs - days * 86400;
  const Civil c = CivilFromDays(days);
  s += kMonths[c.month - 1];
  s.push_back(' ');
  AppendUint(s, c.day);
  s += ", ";
  AppendUint(s, static_cast<uint64_t>(c.year));
  s += ", ";
  const int64_t h = sod / 3600;
  AppendUint(s, static_cast<uint64_t>(h % 12 == 0 ? 12 : h % 12));
  s.push_back(':');
  AppendPadded(s, static_cast<uint64_t>(sod / 60 % 60), 2);
  s.push_back(':');
  AppendPadded(s, static_cast<uint64_t>(sod % 60), 2);
  s += h < 12 ? " AM" : " PM";
}

constexpr int64_t kStartSecs = 1696032000;  // 2023-09-30T00:00:00Z
constexpr int64_t kSpanMillis = 3LL * 86400 * 1000;

// ---------------------------------------------------------------------------
// A JSON writer over a reused string. Values written here are our own text;
// strings still go through AppendJsonString so escaping is always right.

// An append-only byte buffer for the record being built: like std::string,
// but its appends are always inlined and never shrink the storage.
class Buf {
 public:
  Buf() : storage_(kInitial, '\0') {}
  void clear() { n_ = 0; }
  size_t size() const { return n_; }
  const char* data() const { return storage_.data(); }
  __attribute__((always_inline)) void push_back(char c) {
    if (n_ == storage_.size()) [[unlikely]] Grow(1);
    storage_[n_++] = c;
  }
  // Makes room for `n` bytes at the end and returns where they go.
  __attribute__((always_inline)) char* Extend(size_t n) {
    if (storage_.size() - n_ < n) [[unlikely]] Grow(n);
    char* p = &storage_[n_];
    n_ += n;
    return p;
  }
  __attribute__((always_inline)) void append(std::string_view v) {
    if (storage_.size() - n_ < v.size()) [[unlikely]] Grow(v.size());
    std::memcpy(&storage_[n_], v.data(), v.size());
    n_ += v.size();
  }
  Buf& operator+=(std::string_view v) {
    append(v);
    return *this;
  }
  Buf& operator+=(char c) {
    push_back(c);
    return *this;
  }

 private:
  static constexpr size_t kInitial = 1 << 16;
  __attribute__((noinline)) void Grow(size_t need) { storage_.resize((storage_.size() + need) * 2); }
  std::string storage_;
  size_t n_ = 0;
};

// True when `v` holds a byte JSON must escape (control, '"' or '\\'). Eight
// bytes at a time (SWAR): most of what we write needs no escaping.
bool NeedsEscape(std::string_view v) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= v.size(); i += 8) {
    uint64_t x;
    std::memcpy(&x, v.data() + i, 8);
    const uint64_t q = x ^ (kOnes * '"');
    const uint64_t b = x ^ (kOnes * '\\');
    const uint64_t hits = ((q - kOnes) & ~q) | ((b - kOnes) & ~b) | ((x - kOnes * 0x20) & ~x);
    if (hits & kHigh) return true;
  }
  for (; i < v.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    if (c < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}

class Json {
 public:
  explicit Json(Buf& s) : s_(s) {}
  void BeginObject() {
    Sep();
    s_.push_back('{');
    comma_ = false;
  }
  void EndObject() {
    s_.push_back('}');
    comma_ = true;
  }
  void BeginArray() {
    Sep();
    s_.push_back('[');
    comma_ = false;
  }
  void EndArray() {
    s_.push_back(']');
    comma_ = true;
  }
  void Key(std::string_view k) {
    Sep();
    s_.push_back('"');
    s_.append(k);
    s_ += "\":";
    comma_ = false;
  }
  void Str(std::string_view v) {
    Sep();
    if (NeedsEscape(v)) {
      std::string escaped;
      AppendJsonString(escaped, v);
      s_.append(escaped);
    } else {  // the common case: copy in one go
      s_.push_back('"');
      s_.append(v);
      s_.push_back('"');
    }
    comma_ = true;
  }
  void Raw(std::string_view v) {
    Sep();
    s_.append(v);
    comma_ = true;
  }
  void Uint(uint64_t v) {
    Sep();
    AppendUint(s_, v);
    comma_ = true;
  }
  void Bool(bool b) { Raw(b ? "true" : "false"); }
  void Null() { Raw("null"); }
  void KV(std::string_view k, std::string_view v) {
    Key(k);
    Str(v);
  }
  void KRaw(std::string_view k, std::string_view v) {
    Key(k);
    Raw(v);
  }
  void KUint(std::string_view k, uint64_t v) {
    Key(k);
    Uint(v);
  }
  void KBool(std::string_view k, bool b) {
    Key(k);
    Bool(b);
  }
  void KNull(std::string_view k) {
    Key(k);
    Null();
  }
  void EmptyObject(std::string_view k) { KRaw(k, "{}"); }
  // Starts a string value whose text the caller appends to out() and then
  // closes with EndRawString(). Only for text that needs no escaping.
  void BeginRawString() {
    Sep();
    s_.push_back('"');
  }
  void EndRawString() {
    s_.push_back('"');
    comma_ = true;
  }
  void Reset() { comma_ = false; }

 private:
  void Sep() {
    if (comma_) s_.push_back(',');
  }
  Buf& s_;
  bool comma_ = false;
};

// ---------------------------------------------------------------------------
// The cast

struct Account {
  const char* id;
  const char* alias;
};
constexpr std::array<Account, 4> kAccounts = {{
    {"123456789012", "prod"},
    {"210987654321", "dev"},
    {"444455556666", "security"},
    {"777788889999", "sandbox"},
}};

enum class Kind { kIamUser, kAssumedRole, kRoot, kAwsService, kFederatedUser };

enum UaClass {
  kUaConsole,
  kUaCli,
  kUaBoto3,
  kUaGo,
  kUaJava,
  kUaTerraform,
  kUaService,
};

struct PrincipalSpec {
  Kind kind;
  int account;            // index into kAccounts
  const char* name;       // user name, role name, service host, or federated name
  const char* session;    // AssumedRole session name / FederatedUser issuer user
  UaClass ua;
  int home_ip;            // index into the office/VPN pool, -1: none
  int read_weight;        // how often it acts in reads / data events
  int write_weight;       // how often it makes changes
  bool mfa;               // session attributes mfaAuthenticated
  bool console_login;     // signs in to the console
  bool suspicious;        // acts from odd places, is often denied
};

// ~30 principals. Weights are relative.
constexpr std::array<PrincipalSpec, 32> kPrincipalSpecs = {{
    {Kind::kIamUser, 0, "alice", nullptr, kUaCli, 0, 30, 30, true, true, false},
    {Kind::kIamUser, 0, "bob", nullptr, kUaConsole, 1, 25, 6, true, true, false},
    {Kind::kIamUser, 1, "carol", nullptr, kUaCli, 2, 25, 10, true, true, false},
    {Kind::kIamUser, 1, "dave", nullptr, kUaBoto3, 3, 30, 8, false, true, false},
    {Kind::kIamUser, 0, "erin", nullptr, kUaCli, 4, 20, 12, true, true, false},
    {Kind::kIamUser, 3, "frank", nullptr, kUaConsole, 5, 15, 8, false, true, false},
    {Kind::kIamUser, 2, "grace", nullptr, kUaConsole, 6, 15, 2, true, true, false},
    {Kind::kIamUser, 0, "ci-deploy", nullptr, kUaGo, 7, 40, 25, false, false, false},
    {Kind::kIamUser, 1, "terraform", nullptr, kUaTerraform, 8, 25, 30, false, false, false},
    {Kind::kIamUser, 0, "backup-svc", nullptr, kUaJava, 9, 60, 2, false, false, false},
    {Kind::kIamUser, 3, "mallory", nullptr, kUaCli, -1, 6, 14, false, true, true},
    {Kind::kIamUser, 0, "svc-legacy-etl", nullptr, kUaBoto3, 10, 45, 1, false, false, false},
    {Kind::kAssumedRole, 0, "Admin", "alice", kUaConsole, 0, 20, 25, true, false, false},
    {Kind::kAssumedRole, 0, "ReadOnly", "bob", kUaConsole, 1, 25, 1, true, false, false},
    {Kind::kAssumedRole, 0, "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789",
     "heidi@example.com", kUaConsole, 11, 25, 15, true, true, false},
    {Kind::kAssumedRole, 1, "AWSReservedSSO_ReadOnlyAccess_fedcba9876543210",
     "ivan@example.com", kUaConsole, 12, 20, 1, true, true, false},
    {Kind::kAssumedRole, 1, "OrganizationAccountAccessRole", "erin", kUaCli, 4, 10, 10,
     false, false, false},
    {Kind::kAssumedRole, 0, "payroll-export-role", "payroll-export", kUaBoto3, 13, 40, 1,
     false, false, false},
    {Kind::kAssumedRole, 0, "web-app-instance-role", "i-0a1b2c3d4e5f67890", kUaJava, 14, 45,
     1, false, false, false},
    {Kind::kAssumedRole, 1, "GitHubActionsDeploy", "GitHubActions", kUaGo, 15, 20, 20, false,
     false, false},
    {Kind::kAssumedRole, 1, "ecsTaskRole", "4f1a2b3c5d6e7f8091a2b3c4d5e6f708", kUaGo, 16, 35,
     1, false, false, false},
    {Kind::kAssumedRole, 2, "DataScience", "judy", kUaBoto3, 17, 25, 2, true, false, false},
    {Kind::kAssumedRole, 3, "BreakGlass", "kevin", kUaCli, -1, 3, 8, false, false, true},
    {Kind::kRoot, 0, "root", nullptr, kUaConsole, 0, 2, 3, true, true, false},
    {Kind::kRoot, 3, "root", nullptr, kUaConsole, -1, 2, 3, false, true, true},
    {Kind::kAwsService, 0, "cloudtrail.amazonaws.com", nullptr, kUaService, -1, 15, 0, false,
     false, false},
    {Kind::kAwsService, 0, "config.amazonaws.com", nullptr, kUaService, -1, 60, 0, false,
     false, false},
    {Kind::kAwsService, 0, "lambda.amazonaws.com", nullptr, kUaService, -1, 10, 0, false,
     false, false},
    {Kind::kAwsService, 1, "ec2.amazonaws.com", nullptr, kUaService, -1, 10, 0, false, false,
     false},
    {Kind::kAwsService, 2, "s3.amazonaws.com", nullptr, kUaService, -1, 10, 0, false, false,
     false},
    {Kind::kFederatedUser, 1, "ops-fed", "ops", kUaCli, 18, 10, 3, false, false, false},
    {Kind::kFederatedUser, 0, "partner-sync", "partner", kUaJava, 19, 15, 1, false, false,
     false},
}};

// Precomputed strings of a principal.
struct Principal {
  const PrincipalSpec* spec;
  std::string account;
  std::string principal_id;
  std::string arn;
  std::string user_name;        // IAMUser / Root / FederatedUser
  std::string issuer_type;      // sessionIssuer
  std::string issuer_principal_id;
  std::string issuer_arn;
  std::string issuer_user_name;
  std::string long_term_key;    // AKIA… for IAM users
  std::string home_ip;
  bool web_identity = false;
};

// Office, VPN and cloud egress addresses (documentation ranges, RFC 5737).
constexpr std::array<const char*, 20> kHomeIps = {{
    "203.0.113.10",  "203.0.113.11",  "203.0.113.12",  "203.0.113.25",
    "203.0.113.26",  "198.51.100.7",  "203.0.113.40",  "198.51.100.20",
    "198.51.100.21", "198.51.100.22", "198.51.100.23", "2001:db8:10:4::21",
    "203.0.113.41",  "198.51.100.50", "198.51.100.51", "198.51.100.60",
    "198.51.100.61", "2001:db8:52:7::1a", "203.0.113.70", "198.51.100.90",
}};

struct Bucket {
  const char* name;
  int account;
  const char* region;
  const char* prefix;  // object key prefix
  bool sensitive;
};
constexpr std::array<Bucket, 10> kBuckets = {{
    {"acme-web-assets", 0, "us-east-1", "static/img/", false},
    {"acme-data-lake", 2, "us-west-2", "raw/events/", false},
    {"acme-logs-archive", 2, "us-east-1", "AWSLogs/123456789012/elb/", false},
    {"acme-build-artifacts", 1, "us-east-1", "builds/app/", false},
    {"acme-backups", 0, "eu-west-1", "db/snapshots/", false},
    {"acme-analytics-scratch", 1, "eu-central-1", "tmp/", false},
    {"acme-payroll", 0, "us-east-1", "payroll/2023-09/", true},
    {"acme-secrets-prod", 0, "us-east-1", "config/", true},
    {"acme-customer-pii", 2, "us-west-2", "exports/customers/", true},
    {"cloudtrail-logs-123456789012", 2, "us-east-1", "AWSLogs/123456789012/CloudTrail/",
     false},
}};

constexpr std::array<const char*, 16> kRegions = {{
    "us-east-1", "us-east-1", "us-east-1", "us-east-1", "us-east-1", "us-east-1",
    "us-west-2", "us-west-2", "us-west-2", "eu-west-1", "eu-west-1", "eu-central-1",
    "eu-central-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1",
}};

constexpr std::array<const char*, 8> kRoles = {{
    "Admin", "ReadOnly", "payroll-export-role", "web-app-instance-role", "GitHubActionsDeploy",
    "ecsTaskRole", "DataScience", "BreakGlass",
}};

constexpr std::array<const char*, 6> kUserNames = {{
    "alice", "bob", "dave", "svc-reporting", "temp-contractor", "backup-admin",
}};

constexpr std::array<const char*, 4> kGroups = {{"Admins", "Developers", "Auditors", "Billing"}};

constexpr std::array<const char*, 7> kManagedPolicies = {{
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonS3FullAccess",
    "arn:aws:iam::aws:policy/IAMFullAccess",
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/SecurityAudit",
    "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess",
}};

constexpr std::array<const char*, 5> kInlinePolicyNames = {{
    "s3-access", "inline-admin", "kms-decrypt", "assume-any", "logs-write",
}};

constexpr std::array<const char*, 4> kPolicyDocuments = {{
    "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n"
    "      \"Action\": \"*\",\n      \"Resource\": \"*\"\n    }\n  ]\n}",
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\","
    "\"s3:ListBucket\"],\"Resource\":[\"arn:aws:s3:::acme-data-lake\",\"arn:aws:s3:::acme-data-lake/*\"]}]}",
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\","
    "\"Resource\":\"arn:aws:kms:us-east-1:123456789012:key/*\"}]}",
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\","
    "\"Resource\":\"*\"}]}",
}};

constexpr std::array<const char*, 3> kTrustPolicies = {{
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
    "\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}",
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
    "\"arn:aws:iam::777788889999:root\"},\"Action\":\"sts:AssumeRole\"}]}",
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},"
    "\"Action\":\"sts:AssumeRole\"}]}",
}};

constexpr std::array<const char*, 5> kBrowserAgents = {{
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/117.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/117.0.0.0 Safari/537.36 Edg/117.0.2045.47",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:118.0) Gecko/20100101 Firefox/118.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
}};

constexpr std::array<const char*, 3> kCliAgents = {{
    "aws-cli/2.13.25 Python/3.11.5 Linux/6.2.0-1012-aws exe/x86_64.ubuntu.22 prompt/off",
    "aws-cli/2.13.22 Python/3.11.5 Darwin/22.6.0 exe/x86_64 prompt/off",
    "aws-cli/2.11.6 Python/3.11.2 Windows/10 exe/AMD64 prompt/off",
}};

constexpr std::array<const char*, 2> kBotoAgents = {{
    "Boto3/1.28.57 md/Botocore#1.31.57 ua/2.0 os/linux#5.10.192 lang/python#3.11.5 "
    "Botocore/1.31.57",
    "Boto3/1.26.137 Python/3.9.16 Linux/4.14.255 exec-env/AWS_Lambda_python3.9 "
    "Botocore/1.29.137",
}};

constexpr std::array<const char*, 2> kGoAgents = {{
    "aws-sdk-go/1.45.19 (go1.21.1; linux; amd64)",
    "aws-sdk-go-v2/1.21.0 os/linux lang/go#1.21.1 md/GOOS#linux md/GOARCH#amd64 api/sts#1.23.0",
}};

constexpr const char* kJavaAgent =
    "aws-sdk-java/2.20.162 Linux/5.10.192 OpenJDK_64-Bit_Server_VM/17.0.8+7-LTS Java/17.0.8";

constexpr const char* kTerraformAgent =
    "APN/1.0 HashiCorp/1.0 Terraform/1.5.7 (+https://www.terraform.io) "
    "terraform-provider-aws/5.19.0 aws-sdk-go/1.45.16 (go1.20.8; linux; amd64)";

constexpr const char* kS3ConsoleAgent =
    "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10.184 java/1.8.0_372]";

// ---------------------------------------------------------------------------
// Events

enum class Ev {
  kGetObject,
  kPutObject,
  kHeadObject,
  kListObjects,
  kDeleteObject,
  kListBuckets,
  kGetBucketAcl,
  kDescribeInstances,
  kDescribeSecurityGroups,
  kGetCallerIdentity,
  kListRoles,
  kListUsers,
  kListAccessKeys,
  kDescribeTrails,
  kGetTrailStatus,
  kListFunctions,
  kDescribeKey,
  kDecrypt,
  kGenerateDataKey,
  kAssumeRole,
  kAssumeRoleWithWebIdentity,
  kConsoleLogin,
  kRotateKey,
  kPutRolePolicy,
  kAttachGroupPolicy,
  kAttachUserPolicy,
  kAttachRolePolicy,
  kCreatePolicyVersion,
  kCreateAccessKey,
  kCreateUser,
  kCreateLoginProfile,
  kUpdateAssumeRolePolicy,
  kDeleteRolePolicy,
  kAuthorizeSecurityGroupIngress,
  kRunInstances,
  kTerminateInstances,
  kCreateKeyPair,
  kStopLogging,
  kDeleteTrail,
  kUpdateTrail,
  kPutEventSelectors,
  kDeleteDetector,
  kPutBucketPolicy,
  kPutBucketAcl,
  kDeleteBucketPublicAccessBlock,
  kDisableKey,
  kScheduleKeyDeletion,
  kCreateFunction,
  kUpdateFunctionCode,
};

struct EvWeight {
  Ev ev;
  uint32_t weight;  // per 10,000 (roughly)
};

constexpr std::array<EvWeight, 49> kMix = {{
    {Ev::kGetObject, 1300},
    {Ev::kPutObject, 480},
    {Ev::kHeadObject, 400},
    {Ev::kListObjects, 300},
    {Ev::kDeleteObject, 80},
    {Ev::kListBuckets, 200},
    {Ev::kGetBucketAcl, 80},
    {Ev::kDescribeInstances, 900},
    {Ev::kDescribeSecurityGroups, 300},
    {Ev::kGetCallerIdentity, 800},
    {Ev::kListRoles, 330},
    {Ev::kListUsers, 180},
    {Ev::kListAccessKeys, 80},
    {Ev::kDescribeTrails, 60},
    {Ev::kGetTrailStatus, 60},
    {Ev::kListFunctions, 90},
    {Ev::kDescribeKey, 100},
    {Ev::kDecrypt, 650},
    {Ev::kGenerateDataKey, 150},
    {Ev::kAssumeRole, 550},
    {Ev::kAssumeRoleWithWebIdentity, 60},
    {Ev::kConsoleLogin, 230},
    {Ev::kRotateKey, 20},
    {Ev::kPutRolePolicy, 30},
    {Ev::kAttachGroupPolicy, 20},
    {Ev::kAttachUserPolicy, 20},
    {Ev::kAttachRolePolicy, 25},
    {Ev::kCreatePolicyVersion, 15},
    {Ev::kCreateAccessKey, 20},
    {Ev::kCreateUser, 15},
    {Ev::kCreateLoginProfile, 12},
    {Ev::kUpdateAssumeRolePolicy, 12},
    {Ev::kDeleteRolePolicy, 12},
    {Ev::kAuthorizeSecurityGroupIngress, 45},
    {Ev::kRunInstances, 50},
    {Ev::kTerminateInstances, 20},
    {Ev::kCreateKeyPair, 15},
    {Ev::kStopLogging, 10},
    {Ev::kDeleteTrail, 10},
    {Ev::kUpdateTrail, 10},
    {Ev::kPutEventSelectors, 10},
    {Ev::kDeleteDetector, 10},
    {Ev::kPutBucketPolicy, 20},
    {Ev::kPutBucketAcl, 15},
    {Ev::kDeleteBucketPublicAccessBlock, 12},
    {Ev::kDisableKey, 10},
    {Ev::kScheduleKeyDeletion, 10},
    {Ev::kCreateFunction, 15},
    {Ev::kUpdateFunctionCode, 20},
}};

// A resource in `resources`.
struct Resource {
  std::string_view type;
  std::string_view arn;
  std::string_view account;  // empty: no accountId (S3 objects)
};

class Generator {
 public:
  Generator(uint64_t count, uint64_t seed)
      : rng_(seed ^ 0x7472616968686f75ULL), id_key_(Mix64(seed + 0x1234567ULL)), j_(line_) {
    scratch_.reserve(512);
    scratch2_.reserve(512);
    uint64_t gap = count == 0 ? 1 : static_cast<uint64_t>(kSpanMillis) / count;
    mean_gap_ms_ = gap == 0 ? 1 : gap;
    now_ms_ = kStartSecs * 1000;
    BuildCast();
    for (const auto& m : kMix) mix_total_ += m.weight;
  }

  void Emit(uint64_t index, FILE* out) {
    line_.clear();
    j_.Reset();
    if (index > 0) AdvanceTime();
    now_ = now_ms_ / 1000;
    index_ = index;
    const Ev ev = PickEvent();
    Write(ev);
    line_.push_back('\n');
    fwrite(line_.data(), 1, line_.size(), out);
  }

 private:
  // ----- setup
  void BuildCast() {
    for (const auto& spec : kPrincipalSpecs) {
      Principal p;
      p.spec = &spec;
      p.account = kAccounts[spec.account].id;
      const std::string name = spec.name;
      switch (spec.kind) {
        case Kind::kIamUser:
          p.principal_id = AwsId("AIDA", p.account + name);
          p.arn = "arn:aws:iam::" + p.account + ":user/" + name;
          p.user_name = name;
          p.long_term_key = AwsId("AKIA", "key" + p.account + name, 20);
          break;
        case Kind::kAssumedRole: {
          const std::string role_id = AwsId("AROA", p.account + name);
          p.principal_id = role_id + ":" + spec.session;
          p.arn = "arn:aws:sts::" + p.account + ":assumed-role/" + name + "/" + spec.session;
          p.issuer_type = "Role";
          p.issuer_principal_id = role_id;
          p.issuer_arn = "arn:aws:iam::" + p.account + ":role/" +
                         (name.rfind("AWSReservedSSO_", 0) == 0
                              ? "aws-reserved/sso.amazonaws.com/" + name
                              : name);
          p.issuer_user_name = name;
          p.web_identity = name == "GitHubActionsDeploy";
          break;
        }
        case Kind::kRoot:
          p.principal_id = p.account;
          p.arn = "arn:aws:iam::" + p.account + ":root";
          p.user_name = kAccounts[spec.account].alias + std::string("-root");
          p.long_term_key = AwsId("AKIA", "root" + p.account, 20);
          break;
        case Kind::kAwsService:
          break;
        case Kind::kFederatedUser: {
          const std::string issuer = spec.session;
          p.principal_id = p.account + ":" + name;
          p.arn = "arn:aws:sts::" + p.account + ":federated-user/" + name;
          p.user_name = name;
          p.issuer_type = "IAMUser";
          p.issuer_principal_id = AwsId("AIDA", p.account + issuer);
          p.issuer_arn = "arn:aws:iam::" + p.account + ":user/" + issuer;
          p.issuer_user_name = issuer;
          break;
        }
      }
      if (spec.home_ip >= 0) p.home_ip = kHomeIps[spec.home_ip];
      cast_.push_back(std::move(p));
      read_total_ += spec.read_weight;
      write_total_ += spec.write_weight;
    }
    for (size_t i = 0; i < cast_.size(); ++i) {
      if (cast_[i].spec->console_login) console_users_.push_back(i);
    }
  }

  // ----- choices
  void AdvanceTime() {
    const int64_t prev = now_ms_;
    int64_t next = prev + static_cast<int64_t>(rng_.Below(static_cast<uint32_t>(
                              mean_gap_ms_ * 2 + 1 > 0xffffffffULL ? 0xffffffffULL
                                                                    : mean_gap_ms_ * 2 + 1)));
    // Crossing midnight lands exactly on it once, so every covered day
    // boundary (2023-10-01T00:00:00Z, …) has a record.
    const int64_t day_ms = 86400LL * 1000;
    if (FloorDiv(next, day_ms) > FloorDiv(prev, day_ms)) next = FloorDiv(next, day_ms) * day_ms;
    now_ms_ = next;
  }

  Ev PickEvent() {
    uint32_t r = rng_.Below(mix_total_);
    for (const auto& m : kMix) {
      if (r < m.weight) return m.ev;
      r -= m.weight;
    }
    return Ev::kGetObject;
  }

  const Principal& PickReader() {
    uint32_t r = rng_.Below(read_total_);
    for (const auto& p : cast_) {
      if (r < static_cast<uint32_t>(p.spec->read_weight)) return p;
      r -= p.spec->read_weight;
    }
    return cast_[0];
  }
  const Principal& PickWriter() {
    uint32_t r = rng_.Below(write_total_);
    for (const auto& p : cast_) {
      if (r < static_cast<uint32_t>(p.spec->write_weight)) return p;
      r -= p.spec->write_weight;
    }
    return cast_[0];
  }
  // A human or automation principal (never an AWS service).
  const Principal& PickActor(bool write) {
    for (;;) {
      const Principal& p = write ? PickWriter() : PickReader();
      if (p.spec->kind != Kind::kAwsService) return p;
    }
  }
  const Principal* FindService(std::string_view host) {
    for (const auto& p : cast_) {
      if (p.spec->kind == Kind::kAwsService && host == p.spec->name) return &p;
    }
    return nullptr;
  }

  void ChooseSourceIp(const Principal& p) {
    ip_.clear();
    const PrincipalSpec& s = *p.spec;
    if (s.kind == Kind::kAwsService) {
      ip_ = rng_.Chance(300) ? "AWS Internal" : s.name;
      return;
    }
    uint32_t r = rng_.Below(1000);
    if (s.suspicious) r = r < 500 ? 985 + rng_.Below(15) : r;  // half from odd places
    if (!p.home_ip.empty() && r < 850) {
      ip_ = p.home_ip;
    } else if (r < 930) {
      ip_ = "203.0.113.";
      AppendUint(ip_, rng_.Range(1, 254));
    } else if (r < 965) {
      ip_ = "198.51.100.";
      AppendUint(ip_, rng_.Range(1, 254));
    } else if (r < 985) {
      ip_ = "2001:db8:";
      AppendIpv6Group(rng_.Range(1, 0xffff));
      ip_.push_back(':');
      AppendIpv6Group(rng_.Range(0, 0xff));
      ip_ += "::";
      AppendIpv6Group(rng_.Range(1, 0xffff));
    } else {
      ip_ = "192.0.2.";
      AppendUint(ip_, rng_.Range(1, 254));
    }
  }
  void AppendIpv6Group(uint32_t v) {
    bool started = false;
    for (int i = 3; i >= 0; --i) {
      const uint32_t d = (v >> (4 * i)) & 15;
      if (d != 0 || started || i == 0) {
        ip_.push_back(kHexLower[d]);
        started = true;
      }
    }
  }

  std::string_view ChooseUserAgent(const Principal& p, bool s3) {
    switch (p.spec->ua) {
      case kUaConsole:
        if (s3) return kS3ConsoleAgent;
        return rng_.Chance(500) ? "console.amazonaws.com" : "AWS Internal";
      case kUaCli:
        return rng_.Pick(kCliAgents);
      case kUaBoto3:
        return rng_.Pick(kBotoAgents);
      case kUaGo:
        return rng_.Pick(kGoAgents);
      case kUaJava:
        return kJavaAgent;
      case kUaTerraform:
        return kTerraformAgent;
      case kUaService:
        return p.spec->name;
    }
    return "aws-internal/3";
  }

  // ----- ids
  template <typename S>
  void AppendUuid(S& s) {
    const uint64_t a = rng_.Next(), b = rng_.Next();
    AppendHex(s, a >> 32, 8);
    s.push_back('-');
    AppendHex(s, (a >> 16) & 0xffff, 4);
    s += '-';
    AppendHex(s, 0x4000 | (a & 0x0fff), 4);
    s.push_back('-');
    AppendHex(s, 0x8000 | ((b >> 48) & 0x3fff), 4);
    s.push_back('-');
    AppendHex(s, b & 0xffffffffffffULL, 12);
  }
  // Unique per record: 64 bits are a bijection of the record index.
  template <typename S>
  void AppendEventId(S& s) {
    const uint64_t u = Mix64(index_ ^ id_key_);
    const uint64_t r = rng_.Next();
    AppendHex(s, u >> 32, 8);
    s.push_back('-');
    AppendHex(s, (u >> 16) & 0xffff, 4);
    s.push_back('-');
    AppendHex(s, 0x4000 | ((u >> 4) & 0x0fff), 4);
    s.push_back('-');
    AppendHex(s, 0x8000 | ((r >> 50) & 0x3fff), 4);
    s.push_back('-');
    AppendHex(s, u & 0xf, 1);  // the 4 bits not placed above
    AppendHex(s, r & 0xfffffffffffULL, 11);
  }
  template <typename S>
  void AppendRandomChars(S& s, const char* alphabet, uint32_t n, int len) {
    char* p = Extend(s, static_cast<size_t>(len));
    for (int i = 0; i < len; ++i) *p++ = alphabet[rng_.Below(n)];
  }

  // ----- record parts
  void WriteUserIdentity(const Principal& p) {
    const PrincipalSpec& s = *p.spec;
    j_.Key("userIdentity");
    j_.BeginObject();
    switch (s.kind) {
      case Kind::kIamUser:
        j_.KV("type", "IAMUser");
        j_.KV("principalId", p.principal_id);
        j_.KV("arn", p.arn);
        j_.KV("accountId", p.account);
        if (s.ua == kUaConsole) {
          // Console sessions of IAM users use temporary keys.
          j_.Key("accessKeyId");
          AppendSessionKey(p);
        } else {
          j_.KV("accessKeyId", p.long_term_key);
        }
        j_.KV("userName", p.user_name);
        if (s.ua == kUaConsole) WriteSessionAttributes(s.mfa);
        break;
      case Kind::kRoot:
        j_.KV("type", "Root");
        j_.KV("principalId", p.principal_id);
        j_.KV("arn", p.arn);
        j_.KV("accountId", p.account);
        j_.Key("accessKeyId");
        AppendSessionKey(p);
        j_.KV("userName", p.user_name);
        WriteSessionAttributes(s.mfa);
        break;
      case Kind::kAssumedRole:
        j_.KV("type", "AssumedRole");
        j_.KV("principalId", p.principal_id);
        j_.KV("arn", p.arn);
        j_.KV("accountId", p.account);
        j_.Key("accessKeyId");
        AppendSessionKey(p);
        j_.Key("sessionContext");
        j_.BeginObject();
        j_.Key("sessionIssuer");
        j_.BeginObject();
        j_.KV("type", p.issuer_type);
        j_.KV("principalId", p.issuer_principal_id);
        j_.KV("arn", p.issuer_arn);
        j_.KV("accountId", p.account);
        j_.KV("userName", p.issuer_user_name);
        j_.EndObject();
        j_.Key("webIdFederationData");
        j_.BeginObject();
        if (p.web_identity) {
          j_.KV("federatedProvider", "arn:aws:iam::" + p.account +
                                         ":oidc-provider/token.actions.githubusercontent.com");
          j_.EmptyObject("attributes");
        }
        j_.EndObject();
        j_.Key("attributes");
        j_.BeginObject();
        j_.Key("creationDate");
        j_.BeginRawString();
        AppendIsoTime(line_, SessionStart());
        j_.EndRawString();
        j_.KV("mfaAuthenticated", s.mfa ? "true" : "false");
        j_.EndObject();
        j_.EndObject();
        break;
      case Kind::kAwsService:
        j_.KV("type", "AWSService");
        j_.KV("invokedBy", s.name);
        break;
      case Kind::kFederatedUser:
        j_.KV("type", "FederatedUser");
        j_.KV("principalId", p.principal_id);
        j_.KV("arn", p.arn);
        j_.KV("accountId", p.account);
        j_.Key("accessKeyId");
        AppendSessionKey(p);
        j_.Key("sessionContext");
        j_.BeginObject();
        j_.Key("sessionIssuer");
        j_.BeginObject();
        j_.KV("type", p.issuer_type);
        j_.KV("principalId", p.issuer_principal_id);
        j_.KV("arn", p.issuer_arn);
        j_.KV("accountId", p.account);
        j_.KV("userName", p.issuer_user_name);
        j_.EndObject();
        j_.Key("attributes");
        j_.BeginObject();
        j_.Key("creationDate");
        j_.BeginRawString();
        AppendIsoTime(line_, SessionStart());
        j_.EndRawString();
        j_.KV("mfaAuthenticated", "false");
        j_.EndObject();
        j_.EndObject();
        break;
    }
    j_.EndObject();
  }
  void WriteSessionAttributes(bool mfa) {
    j_.Key("sessionContext");
    j_.BeginObject();
    j_.Key("attributes");
    j_.BeginObject();
    j_.Key("creationDate");
    j_.BeginRawString();
    AppendIsoTime(line_, SessionStart());
    j_.EndRawString();
    j_.KV("mfaAuthenticated", mfa ? "true" : "false");
    j_.EndObject();
    j_.EndObject();
  }
  // Sessions start on the hour and last an hour.
  int64_t SessionStart() const { return now_ - now_ % 3600; }
  // ASIA… temporary key, stable within a principal's hourly session.
  void AppendSessionKey(const Principal& p) {
    j_.BeginRawString();
    uint64_t h = Mix64(HashString(p.arn) ^ static_cast<uint64_t>(now_ / 3600));
    line_ += "ASIA";
    for (int i = 0; i < 16; ++i) {
      line_.push_back(kIamIdChars[h & 31]);
      h >>= 5;
      if (i == 11) h = Mix64(h ^ 0x9e3779b97f4a7c15ULL);
    }
    j_.EndRawString();
  }

  // Everything up to userAgent, plus errorCode/errorMessage when set.
  void WriteHead(const Principal& p, std::string_view source, std::string_view name,
                 std::string_view region, std::string_view ua) {
    j_.BeginObject();
    j_.KV("eventVersion", rng_.Chance(150) ? "1.08" : "1.09");
    WriteUserIdentity(p);
    j_.Key("eventTime");
    j_.BeginRawString();
    AppendIsoTime(line_, now_);
    j_.EndRawString();
    j_.KV("eventSource", source);
    j_.KV("eventName", name);
    j_.KV("awsRegion", region);
    j_.KV("sourceIPAddress", ip_);
    j_.KV("userAgent", ua);
    if (!error_code_.empty()) {
      j_.KV("errorCode", error_code_);
      j_.KV("errorMessage", error_message_);
    }
  }

  struct Tail {
    bool read_only = true;
    bool management = true;
    std::string_view event_type = "AwsApiCall";
    std::string_view host;  // tlsDetails.clientProvidedHostHeader; empty: no tlsDetails
    std::string_view recipient;
    bool s3_request_id = false;
    bool from_console = false;
    int n_resources = 0;
    Resource resources[2];
    std::string_view shared_event_id;
  };
  void WriteTail(const Tail& t) {
    j_.Key("requestID");
    j_.BeginRawString();
    if (t.s3_request_id) {
      AppendRandomChars(line_, kUpperAlnum, 36, 16);
    } else {
      AppendUuid(line_);
    }
    j_.EndRawString();
    j_.Key("eventID");
    j_.BeginRawString();
    AppendEventId(line_);
    j_.EndRawString();
    j_.KBool("readOnly", t.read_only);
    if (t.n_resources > 0) {
      j_.Key("resources");
      j_.BeginArray();
      for (int i = 0; i < t.n_resources; ++i) {
        j_.BeginObject();
        if (!t.resources[i].account.empty()) j_.KV("accountId", t.resources[i].account);
        j_.KV("type", t.resources[i].type);
        j_.KV("ARN", t.resources[i].arn);
        j_.EndObject();
      }
      j_.EndArray();
    }
    j_.KV("eventType", t.event_type);
    j_.KBool("managementEvent", t.management);
    j_.KV("recipientAccountId", t.recipient);
    if (!t.shared_event_id.empty()) j_.KV("sharedEventID", t.shared_event_id);
    j_.KV("eventCategory", t.management ? "Management" : "Data");
    if (!t.host.empty()) {
      j_.Key("tlsDetails");
      j_.BeginObject();
      const bool tls13 = rng_.Chance(350);
      j_.KV("tlsVersion", tls13 ? "TLSv1.3" : "TLSv1.2");
      j_.KV("cipherSuite", tls13 ? "TLS_AES_128_GCM_SHA256" : "ECDHE-RSA-AES128-GCM-SHA256");
      j_.KV("clientProvidedHostHeader", t.host);
      j_.EndObject();
    }
    if (t.from_console) j_.KV("sessionCredentialFromConsole", "true");
    j_.EndObject();
  }

  // Decides errorCode/errorMessage for a call. `denied_per_mille` is the base
  // chance of AccessDenied (multiplied for suspicious principals).
  void MaybeDeny(const Principal& p, uint32_t denied_per_mille, std::string_view code,
                 std::string_view action) {
    error_code_.clear();
    error_message_.clear();
    uint32_t chance = p.spec->suspicious ? denied_per_mille * 8 + 150 : denied_per_mille;
    if (p.spec->kind == Kind::kAwsService || p.spec->kind == Kind::kRoot) chance = 0;
    if (chance > 900) chance = 900;
    if (!rng_.Chance(chance)) return;
    error_code_ = code;
    if (code == "Client.UnauthorizedOperation") {
      error_message_ = "You are not authorized to perform this operation. Encoded authorization "
                       "failure message: ";
      AppendRandomChars(error_message_, kBase64, 62, 48);
    } else if (code == "AccessDenied" && action.substr(0, 3) == "s3:") {
      error_message_ = "Access Denied";
    } else {
      error_message_ = "User: ";
      error_message_ += p.arn;
      error_message_ += " is not authorized to perform: ";
      error_message_ += action;
      error_message_ += " because no identity-based policy allows the ";
      error_message_ += action;
      error_message_ += " action";
    }
  }
  bool Failed() const { return !error_code_.empty(); }
  void ClearError() {
    error_code_.clear();
    error_message_.clear();
  }

  std::string_view Region(bool mostly_home = true) {
    return mostly_home && rng_.Chance(700) ? "us-east-1" : rng_.Pick(kRegions);
  }
  std::string_view RegionalHost(std::string_view service, std::string_view region) {
    host_.assign(service);
    host_.push_back('.');
    host_.append(region);
    host_ += ".amazonaws.com";
    return host_;
  }

  // ----- dispatch
  void Write(Ev ev) {
    ClearError();
    switch (ev) {
      case Ev::kGetObject:
      case Ev::kPutObject:
      case Ev::kHeadObject:
      case Ev::kListObjects:
      case Ev::kDeleteObject:
        return S3Data(ev);
      case Ev::kListBuckets:
        return ListBuckets();
      case Ev::kGetBucketAcl:
        return S3BucketManagement(ev);
      case Ev::kDescribeInstances:
      case Ev::kDescribeSecurityGroups:
        return Ec2Describe(ev);
      case Ev::kGetCallerIdentity:
        return GetCallerIdentity();
      case Ev::kListRoles:
      case Ev::kListUsers:
      case Ev::kListAccessKeys:
        return IamList(ev);
      case Ev::kDescribeTrails:
      case Ev::kGetTrailStatus:
        return CloudTrailRead(ev);
      case Ev::kListFunctions:
        return ListFunctions();
      case Ev::kDescribeKey:
      case Ev::kDecrypt:
      case Ev::kGenerateDataKey:
        return KmsRead(ev);
      case Ev::kAssumeRole:
        return AssumeRole();
      case Ev::kAssumeRoleWithWebIdentity:
        return AssumeRoleWithWebIdentity();
      case Ev::kConsoleLogin:
        return ConsoleLogin();
      case Ev::kRotateKey:
        return RotateKey();
      case Ev::kPutRolePolicy:
      case Ev::kAttachGroupPolicy:
      case Ev::kAttachUserPolicy:
      case Ev::kAttachRolePolicy:
      case Ev::kCreatePolicyVersion:
      case Ev::kCreateAccessKey:
      case Ev::kCreateUser:
      case Ev::kCreateLoginProfile:
      case Ev::kUpdateAssumeRolePolicy:
      case Ev::kDeleteRolePolicy:
        return IamWrite(ev);
      case Ev::kAuthorizeSecurityGroupIngress:
        return AuthorizeIngress();
      case Ev::kRunInstances:
        return RunInstances();
      case Ev::kTerminateInstances:
        return TerminateInstances();
      case Ev::kCreateKeyPair:
        return CreateKeyPair();
      case Ev::kStopLogging:
      case Ev::kDeleteTrail:
      case Ev::kUpdateTrail:
      case Ev::kPutEventSelectors:
        return CloudTrailWrite(ev);
      case Ev::kDeleteDetector:
        return DeleteDetector();
      case Ev::kPutBucketPolicy:
      case Ev::kPutBucketAcl:
      case Ev::kDeleteBucketPublicAccessBlock:
        return S3BucketManagement(ev);
      case Ev::kDisableKey:
      case Ev::kScheduleKeyDeletion:
        return KmsWrite(ev);
      case Ev::kCreateFunction:
      case Ev::kUpdateFunctionCode:
        return LambdaWrite(ev);
    }
  }

  // ----- S3
  const Bucket& PickBucket() {
    // Sensitive buckets get a fair share of reads.
    return kBuckets[rng_.Below(static_cast<uint32_t>(kBuckets.size()))];
  }
  void AppendObjectKey(std::string& s, const Bucket& b) {
    s += b.prefix;
    if (b.sensitive && b.name[5] == 'p' && b.name[6] == 'a') {  // acme-payroll
      s += "employee-";
      AppendPadded(s, rng_.Below(4000), 6);
      s += ".pdf";
    } else if (std::strcmp(b.name, "acme-secrets-prod") == 0) {
      static constexpr std::array<const char*, 4> kFiles = {
          {"db-credentials.json", "api-keys.env", "tls/server.key", "vault-unseal.txt"}};
      s += rng_.Pick(kFiles);
    } else {
      s += "2023/10/";
      AppendPadded(s, rng_.Range(1, 3), 2);
      s += "/part-";
      AppendPadded(s, rng_.Below(100000), 5);
      s += rng_.Chance(500) ? ".json.gz" : ".parquet";
    }
  }

  void S3Data(Ev ev) {
    const bool write = ev == Ev::kPutObject || ev == Ev::kDeleteObject;
    const Principal& p = PickActor(write && rng_.Chance(300));
    const Bucket& b = PickBucket();
    std::string_view name;
    switch (ev) {
      case Ev::kGetObject: name = "GetObject"; break;
      case Ev::kPutObject: name = "PutObject"; break;
      case Ev::kHeadObject: name = "HeadObject"; break;
      case Ev::kListObjects: name = "ListObjects"; break;
      default: name = "DeleteObject"; break;
    }
    ChooseSourceIp(p);
    if (p.spec->kind == Kind::kRoot) ip_ = p.home_ip.empty() ? "192.0.2.66" : p.home_ip;
    const std::string_view ua = ChooseUserAgent(p, true);
    MaybeDeny(p, b.sensitive ? 40 : 8, "AccessDenied", "s3:GetObject");
    if (!Failed() && (ev == Ev::kGetObject || ev == Ev::kHeadObject) && rng_.Chance(15)) {
      error_code_ = "NoSuchKey";
      error_message_ = "The specified key does not exist.";
    }
    host_.assign(b.name);
    host_ += ".s3.";
    host_ += b.region;
    host_ += ".amazonaws.com";
    object_key_.clear();
    AppendObjectKey(object_key_, b);

    WriteHead(p, "s3.amazonaws.com", name, b.region, ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    if (ev == Ev::kListObjects) {
      j_.KV("list-type", "2");
      j_.KV("bucketName", b.name);
      j_.KV("encoding-type", "url");
      j_.KV("prefix", b.prefix);
      j_.KV("delimiter", "/");
      j_.KV("Host", host_);
    } else {
      j_.KV("bucketName", b.name);
      j_.KV("Host", host_);
      j_.KV("key", object_key_);
      if (ev == Ev::kPutObject && rng_.Chance(300)) j_.KV("x-amz-server-side-encryption", "aws:kms");
    }
    j_.EndObject();
    if (ev == Ev::kPutObject && !Failed()) {
      j_.Key("responseElements");
      j_.BeginObject();
      j_.Key("x-amz-version-id");
      j_.BeginRawString();
      AppendRandomChars(line_, kBase64, 62, 32);
      j_.EndRawString();
      j_.KV("x-amz-server-side-encryption", "AES256");
      j_.EndObject();
    } else {
      j_.KNull("responseElements");
    }
    j_.Key("additionalEventData");
    j_.BeginObject();
    j_.KV("SignatureVersion", "SigV4");
    j_.KV("CipherSuite", "ECDHE-RSA-AES128-GCM-SHA256");
    const uint32_t size = rng_.Below(8) == 0 ? rng_.Below(50000000) : rng_.Below(200000);
    j_.KUint("bytesTransferredIn", ev == Ev::kPutObject ? size : 0);
    j_.KV("AuthenticationMethod", "AuthHeader");
    j_.Key("x-amz-id-2");
    j_.BeginRawString();
    AppendRandomChars(line_, kBase64, 64, 76);
    j_.EndRawString();
    j_.KUint("bytesTransferredOut", ev == Ev::kGetObject && !Failed() ? size : 0);
    j_.EndObject();

    Tail t;
    t.read_only = !write;
    t.management = false;
    t.host = host_;
    t.recipient = kAccounts[b.account].id;
    t.s3_request_id = true;
    t.from_console = p.spec->ua == kUaConsole && p.spec->kind == Kind::kAssumedRole;
    bucket_arn_ = "arn:aws:s3:::";
    bucket_arn_ += b.name;
    if (ev == Ev::kListObjects) {
      t.n_resources = 1;
      t.resources[0] = {"AWS::S3::Bucket", bucket_arn_, kAccounts[b.account].id};
    } else {
      object_arn_ = bucket_arn_;
      object_arn_.push_back('/');
      object_arn_ += object_key_;
      t.n_resources = 2;
      t.resources[0] = {"AWS::S3::Object", object_arn_, {}};
      t.resources[1] = {"AWS::S3::Bucket", bucket_arn_, kAccounts[b.account].id};
    }
    WriteTail(t);
  }

  void ListBuckets() {
    const Principal& p = PickActor(false);
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, true);
    MaybeDeny(p, 5, "AccessDenied", "s3:ListAllMyBuckets");
    WriteHead(p, "s3.amazonaws.com", "ListBuckets", "us-east-1", ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    j_.KV("Host", "s3.amazonaws.com");
    j_.EndObject();
    j_.KNull("responseElements");
    j_.Key("additionalEventData");
    j_.BeginObject();
    j_.KV("SignatureVersion", "SigV4");
    j_.KV("CipherSuite", "ECDHE-RSA-AES128-GCM-SHA256");
    j_.KUint("bytesTransferredIn", 0);
    j_.KV("AuthenticationMethod", "AuthHeader");
    j_.Key("x-amz-id-2");
    j_.BeginRawString();
    AppendRandomChars(line_, kBase64, 64, 76);
    j_.EndRawString();
    j_.KUint("bytesTransferredOut", rng_.Range(400, 6000));
    j_.EndObject();
    Tail t;
    t.host = "s3.amazonaws.com";
    t.recipient = p.account;
    t.s3_request_id = true;
    t.from_console = p.spec->ua == kUaConsole && p.spec->kind == Kind::kAssumedRole;
    WriteTail(t);
  }

  // GetBucketAcl, PutBucketPolicy, PutBucketAcl, DeleteBucketPublicAccessBlock
  void S3BucketManagement(Ev ev) {
    const bool write = ev != Ev::kGetBucketAcl;
    const Principal& p = PickActor(write);
    const Bucket& b = PickBucket();
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, true);
    std::string_view name;
    switch (ev) {
      case Ev::kGetBucketAcl: name = "GetBucketAcl"; break;
      case Ev::kPutBucketPolicy: name = "PutBucketPolicy"; break;
      case Ev::kPutBucketAcl: name = "PutBucketAcl"; break;
      default: name = "DeleteBucketPublicAccessBlock"; break;
    }
    MaybeDeny(p, write ? 60 : 10, "AccessDenied", "s3:PutBucketPolicy");
    host_.assign(b.name);
    host_ += ".s3.";
    host_ += b.region;
    host_ += ".amazonaws.com";
    WriteHead(p, "s3.amazonaws.com", name, b.region, ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    switch (ev) {
      case Ev::kGetBucketAcl:
        j_.KV("bucketName", b.name);
        j_.KV("Host", host_);
        j_.KV("acl", "");
        break;
      case Ev::kPutBucketPolicy: {
        j_.Key("bucketPolicy");
        j_.BeginObject();
        j_.KV("Version", "2012-10-17");
        j_.Key("Statement");
        j_.BeginArray();
        j_.BeginObject();
        const bool is_public = rng_.Chance(400);
        j_.KV("Sid", is_public ? "PublicRead" : "AllowAnalyticsRole");
        j_.KV("Effect", "Allow");
        if (is_public) {
          j_.KV("Principal", "*");
        } else {
          j_.Key("Principal");
          j_.BeginObject();
          j_.KV("AWS", "arn:aws:iam::444455556666:role/DataScience");
          j_.EndObject();
        }
        j_.KV("Action", "s3:GetObject");
        scratch_ = "arn:aws:s3:::";
        scratch_ += b.name;
        scratch_ += "/*";
        j_.KV("Resource", scratch_);
        j_.EndObject();
        j_.EndArray();
        j_.EndObject();
        j_.KV("bucketName", b.name);
        j_.KV("Host", host_);
        j_.KV("policy", "");
        break;
      }
      case Ev::kPutBucketAcl: {
        j_.KV("bucketName", b.name);
        j_.KV("Host", host_);
        j_.KV("acl", "");
        j_.Key("AccessControlPolicy");
        j_.BeginObject();
        j_.Key("AccessControlList");
        j_.BeginObject();
        j_.Key("Grant");
        j_.BeginObject();
        j_.Key("Grantee");
        j_.BeginObject();
        j_.KV("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
        if (rng_.Chance(500)) {
          j_.KV("xsi:type", "Group");
          j_.KV("URI", "http://acs.amazonaws.com/groups/global/AllUsers");
        } else {
          j_.KV("xsi:type", "CanonicalUser");
          j_.KV("ID", "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be");
        }
        j_.EndObject();
        j_.KV("Permission", rng_.Chance(300) ? "FULL_CONTROL" : "READ");
        j_.EndObject();
        j_.EndObject();
        j_.KV("xmlns", "http://s3.amazonaws.com/doc/2006-03-01/");
        j_.EndObject();
        break;
      }
      default:
        j_.KV("bucketName", b.name);
        j_.KV("Host", host_);
        j_.KV("publicAccessBlock", "");
        break;
    }
    j_.EndObject();
    j_.KNull("responseElements");
    j_.Key("additionalEventData");
    j_.BeginObject();
    j_.KV("SignatureVersion", "SigV4");
    j_.KV("CipherSuite", "ECDHE-RSA-AES128-GCM-SHA256");
    j_.KUint("bytesTransferredIn", write ? rng_.Range(100, 900) : 0);
    j_.KV("AuthenticationMethod", "AuthHeader");
    j_.Key("x-amz-id-2");
    j_.BeginRawString();
    AppendRandomChars(line_, kBase64, 64, 76);
    j_.EndRawString();
    j_.KUint("bytesTransferredOut", write ? 0 : rng_.Range(300, 900));
    j_.EndObject();
    Tail t;
    t.read_only = !write;
    t.host = host_;
    t.recipient = kAccounts[b.account].id;
    t.s3_request_id = true;
    bucket_arn_ = "arn:aws:s3:::";
    bucket_arn_ += b.name;
    t.n_resources = 1;
    t.resources[0] = {"AWS::S3::Bucket", bucket_arn_, kAccounts[b.account].id};
    WriteTail(t);
  }

  // ----- EC2
  void Ec2Describe(Ev ev) {
    const Principal& p = PickReader();
    const std::string_view region = Region();
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    MaybeDeny(p, 6, "Client.UnauthorizedOperation", "ec2:DescribeInstances");
    const bool sg = ev == Ev::kDescribeSecurityGroups;
    WriteHead(p, "ec2.amazonaws.com", sg ? "DescribeSecurityGroups" : "DescribeInstances",
              region, ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    if (sg) {
      j_.EmptyObject("securityGroupSet");
      j_.EmptyObject("securityGroupIdSet");
      j_.Key("filterSet");
      j_.BeginObject();
      j_.Key("items");
      j_.BeginArray();
      j_.BeginObject();
      j_.KV("name", "vpc-id");
      j_.KRaw("valueSet", "{\"items\":[{\"value\":\"vpc-0a1b2c3d4e5f60718\"}]}");
      j_.EndObject();
      j_.EndArray();
      j_.EndObject();
    } else {
      j_.Key("instancesSet");
      j_.BeginObject();
      if (rng_.Chance(300)) {
        j_.Key("items");
        j_.BeginArray();
        j_.BeginObject();
        j_.Key("instanceId");
        j_.BeginRawString();
        line_ += "i-0";
        AppendHex(line_, rng_.Next(), 16);
        j_.EndRawString();
        j_.EndObject();
        j_.EndArray();
      }
      j_.EndObject();
      j_.EmptyObject("filterSet");
      if (rng_.Chance(400)) j_.KUint("maxResults", 1000);
    }
    j_.EndObject();
    j_.KNull("responseElements");
    Tail t;
    t.host = p.spec->kind == Kind::kAwsService ? std::string_view() : RegionalHost("ec2", region);
    t.recipient = p.account;
    t.from_console = p.spec->ua == kUaConsole && p.spec->kind == Kind::kAssumedRole;
    WriteTail(t);
  }

  void AuthorizeIngress() {
    const Principal& p = PickActor(true);
    const std::string_view region = Region();
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    MaybeDeny(p, 40, "Client.UnauthorizedOperation", "ec2:AuthorizeSecurityGroupIngress");
    static constexpr std::array<uint32_t, 6> kPorts = {{22, 3389, 443, 5432, 80, 6379}};
    const uint32_t port = rng_.Pick(kPorts);
    const uint32_t shape = rng_.Below(10);  // 0-3 world v4, 4-5 world v4+v6, 6 v6, 7-9 narrow
    std::string_view cidr4;
    std::string_view cidr6;
    if (shape <= 5) cidr4 = "0.0.0.0/0";
    if (shape == 4 || shape == 5 || shape == 6) cidr6 = "::/0";
    if (shape >= 7) {
      static constexpr std::array<const char*, 3> kNarrow = {
          {"10.0.0.0/16", "203.0.113.0/24", "198.51.100.7/32"}};
      cidr4 = rng_.Pick(kNarrow);
    }
    std::string group_id = "sg-0";
    AppendHex(group_id, rng_.Next(), 16);
    WriteHead(p, "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", region, ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    j_.KV("groupId", group_id);
    j_.Key("ipPermissions");
    j_.BeginObject();
    j_.Key("items");
    j_.BeginArray();
    j_.BeginObject();
    j_.KV("ipProtocol", "tcp");
    j_.KUint("fromPort", port);
    j_.KUint("toPort", port);
    j_.EmptyObject("groups");
    j_.Key("ipRanges");
    j_.BeginObject();
    if (!cidr4.empty()) {
      j_.Key("items");
      j_.BeginArray();
      j_.BeginObject();
      j_.KV("cidrIp", cidr4);
      if (rng_.Chance(300)) j_.KV("description", "temp access");
      j_.EndObject();
      j_.EndArray();
    }
    j_.EndObject();
    j_.Key("ipv6Ranges");
    j_.BeginObject();
    if (!cidr6.empty()) {
      j_.Key("items");
      j_.BeginArray();
      j_.BeginObject();
      j_.KV("cidrIpv6", cidr6);
      j_.EndObject();
      j_.EndArray();
    }
    j_.EndObject();
    j_.EmptyObject("prefixListIds");
    j_.EndObject();
    j_.EndArray();
    j_.EndObject();
    j_.EndObject();
    if (Failed()) {
      j_.KNull("responseElements");
    } else {
      j_.Key("responseElements");
      j_.BeginObject();
      j_.Key("requestId");
      j_.BeginRawString();
      AppendUuid(line_);
      j_.EndRawString();
      j_.KBool("_return", true);
      j_.Key("securityGroupRuleSet");
      j_.BeginObject();
      j_.Key("items");
      j_.BeginArray();
      j_.BeginObject();
      j_.KV("groupOwnerId", p.account);
      j_.KV("groupId", group_id);
      j_.Key("securityGroupRuleId");
      j_.BeginRawString();
      line_ += "sgr-0";
      AppendHex(line_, rng_.Next(), 16);
      j_.EndRawString();
      j_.KBool("isEgress", false);
      j_.KV("ipProtocol", "tcp");
      j_.KUint("fromPort", port);
      j_.KUint("toPort", port);
      if (!cidr4.empty()) {
        j_.KV("cidrIpv4", cidr4);
      } else {
        j_.KV("cidrIpv6", cidr6);
      }
      j_.EndObject();
      j_.EndArray();
      j_.EndObject();
      j_.EndObject();
    }
    Tail t;
    t.read_only = false;
    t.host = RegionalHost("ec2", region);
    t.recipient = p.account;
    t.from_console = p.spec->ua == kUaConsole && p.spec->kind == Kind::kAssumedRole;
    WriteTail(t);
  }

  void RunInstances() {
    const Principal& p = PickActor(true);
    const std::string_view region = Region(false);
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    MaybeDeny(p, 30, "Client.UnauthorizedOperation", "ec2:RunInstances");
    static constexpr std::array<const char*, 6> kTypes = {
        {"t3.micro", "t3.medium", "m5.large", "c5.xlarge", "t3.micro", "p3.16xlarge"}};
    const std::string_view type = rng_.Pick(kTypes);
    const uint32_t n = type == "p3.16xlarge" ? rng_.Range(4, 20) : 1;
    WriteHead(p, "ec2.amazonaws.com", "RunInstances", region, ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    j_.Key("instancesSet");
    j_.BeginObject();
    j_.Key("items");
    j_.BeginArray();
    j_.BeginObject();
    j_.KV("imageId", "ami-0c7217cdde317cfec");
    j_.KUint("minCount", n);
    j_.KUint("maxCount", n);
    j_.EndObject();
    j_.EndArray();
    j_.EndObject();
    j_.KV("instanceType", type);
    j_.EmptyObject("blockDeviceMapping");
    j_.KRaw("monitoring", "{\"enabled\":false}");
    j_.KBool("disableApiTermination", false);
    j_.KBool("disableApiStop", false);
    j_.Key("clientToken");
    j_.BeginRawString();
    AppendUuid(line_);
    j_.EndRawString();
    j_.EndObject();
    std::string instance_id = "i-0";
    AppendHex(instance_id, rng_.Next(), 16);
    if (Failed()) {
      j_.KNull("responseElements");
    } else {
      j_.Key("responseElements");
      j_.BeginObject();
      j_.Key("requestId");
      j_.BeginRawString();
      AppendUuid(line_);
      j_.EndRawString();
      j_.Key("reservationId");
      j_.BeginRawString();
      line_ += "r-0";
      AppendHex(line_, rng_.Next(), 16);
      j_.EndRawString();
      j_.KV("ownerId", p.account);
      j_.EmptyObject("groupSet");
      j_.Key("instancesSet");
      j_.BeginObject();
      j_.Key("items");
      j_.BeginArray();
      j_.BeginObject();
      j_.KV("instanceId", instance_id);
      j_.KV("imageId", "ami-0c7217cdde317cfec");
      j_.KRaw("instanceState", "{\"code\":0,\"name\":\"pending\"}");
      j_.KV("instanceType", type);
      j_.KUint("launchTime", static_cast<uint64_t>(now_) * 1000);
      j_.EndObject();
      j_.EndArray();
      j_.EndObject();
      j_.EndObject();
    }
    Tail t;
    t.read_only = false;
    t.host = RegionalHost("ec2", region);
    t.recipient = p.account;
    WriteTail(t);
  }

  void TerminateInstances() {
    const Principal& p = PickActor(true);
    const std::string_view region = Region();
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    MaybeDeny(p, 30, "Client.UnauthorizedOperation", "ec2:TerminateInstances");
    std::string instance_id = "i-0";
    AppendHex(instance_id, rng_.Next(), 16);
    WriteHead(p, "ec2.amazonaws.com", "TerminateInstances", region, ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    j_.Key("instancesSet");
    j_.BeginObject();
    j_.Key("items");
    j_.BeginArray();
    j_.BeginObject();
    j_.KV("instanceId", instance_id);
    j_.EndObject();
    j_.EndArray();
    j_.EndObject();
    j_.EndObject();
    if (Failed()) {
      j_.KNull("responseElements");
    } else {
      j_.Key("responseElements");
      j_.BeginObject();
      j_.Key("requestId");
      j_.BeginRawString();
      AppendUuid(line_);
      j_.EndRawString();
      j_.Key("instancesSet");
      j_.BeginObject();
      j_.Key("items");
      j_.BeginArray();
      j_.BeginObject();
      j_.KV("instanceId", instance_id);
      j_.KRaw("currentState", "{\"code\":32,\"name\":\"shutting-down\"}");
      j_.KRaw("previousState", "{\"code\":16,\"name\":\"running\"}");
      j_.EndObject();
      j_.EndArray();
      j_.EndObject();
      j_.EndObject();
    }
    Tail t;
    t.read_only = false;
    t.host = RegionalHost("ec2", region);
    t.recipient = p.account;
    WriteTail(t);
  }

  void CreateKeyPair() {
    const Principal& p = PickActor(true);
    const std::string_view region = Region(false);
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    MaybeDeny(p, 30, "Client.UnauthorizedOperation", "ec2:CreateKeyPair");
    std::string key_name = rng_.Chance(300) ? "tmp-" : "deploy-";
    AppendUint(key_name, rng_.Below(1000));
    WriteHead(p, "ec2.amazonaws.com", "CreateKeyPair", region, ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    j_.KV("keyName", key_name);
    j_.KV("keyType", "rsa");
    j_.KV("keyFormat", "pem");
    j_.EndObject();
    if (Failed()) {
      j_.KNull("responseElements");
    } else {
      j_.Key("responseElements");
      j_.BeginObject();
      j_.Key("requestId");
      j_.BeginRawString();
      AppendUuid(line_);
      j_.EndRawString();
      j_.KV("keyName", key_name);
      j_.Key("keyFingerprint");
      j_.BeginRawString();
      for (int i = 0; i < 20; ++i) {
        if (i) line_.push_back(':');
        AppendHex(line_, rng_.Below(256), 2);
      }
      j_.EndRawString();
      j_.Key("keyPairId");
      j_.BeginRawString();
      line_ += "key-0";
      AppendHex(line_, rng_.Next(), 16);
      j_.EndRawString();
      j_.KV("keyMaterial", "<sensitiveDataRemoved>");
      j_.EndObject();
    }
    Tail t;
    t.read_only = false;
    t.host = RegionalHost("ec2", region);
    t.recipient = p.account;
    WriteTail(t);
  }

  // ----- STS
  void GetCallerIdentity() {
    const Principal& p = PickActor(false);
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    const std::string_view region = Region();
    WriteHead(p, "sts.amazonaws.com", "GetCallerIdentity", region, ua);
    j_.KNull("requestParameters");
    j_.KNull("responseElements");
    Tail t;
    t.host = RegionalHost("sts", region);
    t.recipient = p.account;
    WriteTail(t);
  }

  void AssumeRole() {
    // Services assume execution roles; people and pipelines assume roles too.
    const Principal* p = nullptr;
    const uint32_t who = rng_.Below(10);
    if (who < 4) {
      p = FindService(who < 2 ? "lambda.amazonaws.com" : "ec2.amazonaws.com");
    }
    if (p == nullptr) p = &PickActor(rng_.Chance(300));
    const std::string_view role = rng_.Pick(kRoles);
    const std::string_view target_account =
        rng_.Chance(150) ? kAccounts[rng_.Below(4)].id : std::string_view(p->account);
    ChooseSourceIp(*p);
    const std::string_view ua = ChooseUserAgent(*p, false);
    MaybeDeny(*p, 20, "AccessDenied", "sts:AssumeRole");
    const std::string_view region = Region();
    role_arn_ = "arn:aws:iam::";
    role_arn_ += target_account;
    role_arn_ += ":role/";
    role_arn_ += role;
    session_.clear();
    if (p->spec->kind == Kind::kAwsService) {
      session_ = p->spec->name[0] == 'l' ? "payroll-export" : "i-0";
      if (session_ == "i-0") AppendHex(session_, rng_.Next(), 16);
    } else if (!p->user_name.empty()) {
      session_ = p->user_name;
    } else {
      session_ = p->spec->session;
    }
    WriteHead(*p, "sts.amazonaws.com", "AssumeRole", region, ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    j_.KV("roleArn", role_arn_);
    j_.KV("roleSessionName", session_);
    j_.KUint("durationSeconds", rng_.Chance(700) ? 3600 : 43200);
    j_.EndObject();
    if (Failed()) {
      j_.KNull("responseElements");
    } else {
      j_.Key("responseElements");
      j_.BeginObject();
      j_.Key("credentials");
      j_.BeginObject();
      j_.Key("accessKeyId");
      j_.BeginRawString();
      line_ += "ASIA";
      AppendRandomChars(line_, kIamIdChars, 32, 16);
      j_.EndRawString();
      j_.Key("expiration");
      j_.BeginRawString();
      AppendAwsDisplayTime(line_, now_ + 3600);
      j_.EndRawString();
      j_.EndObject();
      j_.Key("assumedRoleUser");
      j_.BeginObject();
      j_.Key("assumedRoleId");
      j_.BeginRawString();
      line_ += AwsId("AROA", std::string(target_account) + std::string(role));
      line_.push_back(':');
      line_ += session_;
      j_.EndRawString();
      j_.Key("arn");
      j_.BeginRawString();
      line_ += "arn:aws:sts::";
      line_ += target_account;
      line_ += ":assumed-role/";
      line_ += role;
      line_.push_back('/');
      line_ += session_;
      j_.EndRawString();
      j_.EndObject();
      j_.EndObject();
    }
    Tail t;
    t.host = p->spec->kind == Kind::kAwsService ? std::string_view() : RegionalHost("sts", region);
    t.recipient = p->account;
    t.n_resources = 1;
    t.resources[0] = {"AWS::IAM::Role", role_arn_, target_account};
    scratch2_.clear();
    if (target_account != p->account) {
      AppendUuid(scratch2_);
      t.shared_event_id = scratch2_;
    }
    WriteTail(t);
  }

  void AssumeRoleWithWebIdentity() {
    // The caller is a web identity, not a principal of the cast.
    const std::string_view region = Region();
    ip_ = "198.51.100.";
    AppendUint(ip_, rng_.Range(100, 140));
    static constexpr std::array<const char*, 3> kSubjects = {
        {"repo:acme/app:ref:refs/heads/main", "repo:acme/infra:environment:prod",
         "repo:acme/app:pull_request"}};
    const std::string_view subject = rng_.Pick(kSubjects);
    const bool denied = subject.find("pull_request") != std::string_view::npos && rng_.Chance(500);
    j_.BeginObject();
    j_.KV("eventVersion", "1.08");
    j_.Key("userIdentity");
    j_.BeginObject();
    j_.KV("type", "WebIdentityUser");
    scratch_ = "token.actions.githubusercontent.com:sts.amazonaws.com:";
    scratch_ += subject;
    j_.KV("principalId", scratch_);
    j_.KV("userName", subject);
    j_.KV("identityProvider", "token.actions.githubusercontent.com");
    j_.EndObject();
    j_.Key("eventTime");
    j_.BeginRawString();
    AppendIsoTime(line_, now_);
    j_.EndRawString();
    j_.KV("eventSource", "sts.amazonaws.com");
    j_.KV("eventName", "AssumeRoleWithWebIdentity");
    j_.KV("awsRegion", region);
    j_.KV("sourceIPAddress", ip_);
    j_.KV("userAgent", kGoAgents[1]);
    if (denied) {
      j_.KV("errorCode", "AccessDenied");
      j_.KV("errorMessage", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
    }
    j_.Key("requestParameters");
    j_.BeginObject();
    j_.KV("roleArn", "arn:aws:iam::210987654321:role/GitHubActionsDeploy");
    j_.KV("roleSessionName", "GitHubActions");
    j_.KUint("durationSeconds", 3600);
    j_.EndObject();
    if (denied) {
      j_.KNull("responseElements");
    } else {
      j_.Key("responseElements");
      j_.BeginObject();
      j_.KV("subjectFromWebIdentityToken", subject);
      j_.KV("audience", "sts.amazonaws.com");
      j_.KV("provider", "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com");
      j_.EndObject();
    }
    j_.Key("additionalEventData");
    j_.BeginObject();
    j_.KV("identityProviderConnectionVerificationMethod", "IAMTrustStore");
    j_.EndObject();
    Tail t;
    t.host = RegionalHost("sts", region);
    t.recipient = "210987654321";
    t.n_resources = 1;
    t.resources[0] = {"AWS::IAM::Role", "arn:aws:iam::210987654321:role/GitHubActionsDeploy",
                      "210987654321"};
    WriteTail(t);
  }

  // ----- Console sign-in
  void ConsoleLogin() {
    const Principal& p = cast_[console_users_[rng_.Below(static_cast<uint32_t>(console_users_.size()))]];
    ChooseSourceIp(p);
    const bool failed = rng_.Chance(p.spec->suspicious ? 600 : 150);
    const bool unknown_user = failed && rng_.Chance(250);
    const bool mfa = p.spec->mfa && !failed;
    const std::string_view region = rng_.Chance(800) ? "us-east-1" : rng_.Pick(kRegions);
    j_.BeginObject();
    j_.KV("eventVersion", "1.09");
    if (unknown_user) {
      j_.Key("userIdentity");
      j_.BeginObject();
      j_.KV("type", "IAMUser");
      j_.KV("accountId", p.account);
      j_.KV("accessKeyId", "");
      j_.KV("userName", "HIDDEN_DUE_TO_SECURITY_REASONS");
      j_.EndObject();
    } else if (p.spec->kind == Kind::kAssumedRole) {
      WriteUserIdentity(p);
    } else {
      j_.Key("userIdentity");
      j_.BeginObject();
      j_.KV("type", p.spec->kind == Kind::kRoot ? "Root" : "IAMUser");
      j_.KV("principalId", p.principal_id);
      j_.KV("arn", p.arn);
      j_.KV("accountId", p.account);
      j_.KV("accessKeyId", "");
      if (p.spec->kind == Kind::kIamUser) j_.KV("userName", p.user_name);
      j_.EndObject();
    }
    j_.Key("eventTime");
    j_.BeginRawString();
    AppendIsoTime(line_, now_);
    j_.EndRawString();
    j_.KV("eventSource", "signin.amazonaws.com");
    j_.KV("eventName", "ConsoleLogin");
    j_.KV("awsRegion", region);
    j_.KV("sourceIPAddress", ip_);
    j_.KV("userAgent", rng_.Pick(kBrowserAgents));
    if (failed) j_.KV("errorMessage", "Failed authentication");
    j_.KNull("requestParameters");
    j_.Key("responseElements");
    j_.BeginObject();
    j_.KV("ConsoleLogin", failed ? "Failure" : "Success");
    j_.EndObject();
    j_.Key("additionalEventData");
    j_.BeginObject();
    if (p.spec->kind == Kind::kAssumedRole) {
      scratch_ = "https://";
      scratch_ += region;
      scratch_ += ".console.aws.amazon.com/console/home?region=";
      scratch_ += region;
      scratch_ += "&state=hashArgs%23&isauthcode=true";
    } else {
      scratch_ = "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_";
      scratch_ += region;
      scratch_ += "_";
      AppendHex(scratch_, rng_.Next(), 16);
    }
    j_.KV("LoginTo", scratch_);
    j_.KV("MobileVersion", rng_.Chance(50) ? "Yes" : "No");
    j_.KV("MFAUsed", mfa ? "Yes" : "No");
    if (mfa && p.spec->kind != Kind::kAssumedRole) {
      scratch_ = "arn:aws:iam::";
      scratch_ += p.account;
      scratch_ += p.spec->kind == Kind::kRoot ? ":mfa/root-account-mfa-device" : ":mfa/";
      if (p.spec->kind != Kind::kRoot) scratch_ += p.user_name;
      j_.KV("MFAIdentifier", scratch_);
    }
    j_.EndObject();
    Tail t;
    t.read_only = false;
    t.event_type = "AwsConsoleSignIn";
    t.host = "signin.aws.amazon.com";
    t.recipient = p.account;
    WriteTail(t);
  }

  // ----- IAM
  void IamList(Ev ev) {
    const Principal& p = PickActor(false);
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    std::string_view name = ev == Ev::kListRoles   ? "ListRoles"
                            : ev == Ev::kListUsers ? "ListUsers"
                                                   : "ListAccessKeys";
    MaybeDeny(p, 10, "AccessDenied", ev == Ev::kListRoles ? "iam:ListRoles" : "iam:ListUsers");
    WriteHead(p, "iam.amazonaws.com", name, "us-east-1", ua);
    if (ev == Ev::kListAccessKeys) {
      j_.Key("requestParameters");
      j_.BeginObject();
      j_.KV("userName", rng_.Pick(kUserNames));
      j_.EndObject();
    } else if (rng_.Chance(500)) {
      j_.Key("requestParameters");
      j_.BeginObject();
      j_.KUint("maxItems", rng_.Chance(500) ? 100 : 1000);
      if (rng_.Chance(300)) j_.KV("pathPrefix", "/");
      j_.EndObject();
    } else {
      j_.KNull("requestParameters");
    }
    j_.KNull("responseElements");
    Tail t;
    t.host = "iam.amazonaws.com";
    t.recipient = p.account;
    t.from_console = p.spec->ua == kUaConsole && p.spec->kind == Kind::kAssumedRole;
    WriteTail(t);
  }

  void IamWrite(Ev ev) {
    const Principal& p = PickActor(true);
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    std::string_view name;
    switch (ev) {
      case Ev::kPutRolePolicy: name = "PutRolePolicy"; break;
      case Ev::kAttachGroupPolicy: name = "AttachGroupPolicy"; break;
      case Ev::kAttachUserPolicy: name = "AttachUserPolicy"; break;
      case Ev::kAttachRolePolicy: name = "AttachRolePolicy"; break;
      case Ev::kCreatePolicyVersion: name = "CreatePolicyVersion"; break;
      case Ev::kCreateAccessKey: name = "CreateAccessKey"; break;
      case Ev::kCreateUser: name = "CreateUser"; break;
      case Ev::kCreateLoginProfile: name = "CreateLoginProfile"; break;
      case Ev::kUpdateAssumeRolePolicy: name = "UpdateAssumeRolePolicy"; break;
      default: name = "DeleteRolePolicy"; break;
    }
    action_ = "iam:";
    action_ += name;
    MaybeDeny(p, 50, "AccessDenied", action_);
    const std::string_view role = rng_.Pick(kRoles);
    const std::string_view user = rng_.Pick(kUserNames);
    WriteHead(p, "iam.amazonaws.com", name, "us-east-1", ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    switch (ev) {
      case Ev::kPutRolePolicy:
        j_.KV("roleName", role);
        j_.KV("policyName", rng_.Pick(kInlinePolicyNames));
        j_.KV("policyDocument", rng_.Pick(kPolicyDocuments));
        break;
      case Ev::kAttachGroupPolicy:
        j_.KV("groupName", rng_.Pick(kGroups));
        j_.KV("policyArn", rng_.Pick(kManagedPolicies));
        break;
      case Ev::kAttachUserPolicy:
        j_.KV("userName", user);
        j_.KV("policyArn", rng_.Pick(kManagedPolicies));
        break;
      case Ev::kAttachRolePolicy:
        j_.KV("roleName", role);
        j_.KV("policyArn", rng_.Pick(kManagedPolicies));
        break;
      case Ev::kCreatePolicyVersion:
        scratch_ = "arn:aws:iam::";
        scratch_ += p.account;
        scratch_ += ":policy/";
        scratch_ += rng_.Pick(kInlinePolicyNames);
        j_.KV("policyArn", scratch_);
        j_.KV("policyDocument", rng_.Pick(kPolicyDocuments));
        j_.KBool("setAsDefault", rng_.Chance(800));
        break;
      case Ev::kCreateAccessKey:
      case Ev::kCreateLoginProfile:
        j_.KV("userName", user);
        if (ev == Ev::kCreateLoginProfile) j_.KBool("passwordResetRequired", rng_.Chance(700));
        break;
      case Ev::kCreateUser:
        j_.KV("userName", user);
        if (rng_.Chance(500)) {
          j_.KRaw("tags", "[]");
        } else {
          j_.KRaw("tags", "[{\"key\":\"team\",\"value\":\"platform\"}]");
        }
        break;
      case Ev::kUpdateAssumeRolePolicy:
        j_.KV("roleName", role);
        j_.KV("policyDocument", rng_.Pick(kTrustPolicies));
        break;
      default:
        j_.KV("roleName", role);
        j_.KV("policyName", rng_.Pick(kInlinePolicyNames));
        break;
    }
    j_.EndObject();
    if (Failed()) {
      j_.KNull("responseElements");
    } else {
      switch (ev) {
        case Ev::kCreatePolicyVersion:
          j_.Key("responseElements");
          j_.BeginObject();
          j_.Key("policyVersion");
          j_.BeginObject();
          scratch_ = "v";
          AppendUint(scratch_, rng_.Range(2, 5));
          j_.KV("versionId", scratch_);
          j_.KBool("isDefaultVersion", true);
          j_.Key("createDate");
          j_.BeginRawString();
          AppendAwsDisplayTime(line_, now_);
          j_.EndRawString();
          j_.EndObject();
          j_.EndObject();
          break;
        case Ev::kCreateAccessKey:
          j_.Key("responseElements");
          j_.BeginObject();
          j_.Key("accessKey");
          j_.BeginObject();
          j_.Key("accessKeyId");
          j_.BeginRawString();
          line_ += "AKIA";
          AppendRandomChars(line_, kIamIdChars, 32, 16);
          j_.EndRawString();
          j_.KV("status", "Active");
          j_.KV("userName", user);
          j_.Key("createDate");
          j_.BeginRawString();
          AppendAwsDisplayTime(line_, now_);
          j_.EndRawString();
          j_.EndObject();
          j_.EndObject();
          break;
        case Ev::kCreateUser:
          j_.Key("responseElements");
          j_.BeginObject();
          j_.Key("user");
          j_.BeginObject();
          j_.KV("path", "/");
          j_.KV("userName", user);
          j_.KV("userId", AwsId("AIDA", p.account + std::string(user)));
          scratch_ = "arn:aws:iam::";
          scratch_ += p.account;
          scratch_ += ":user/";
          scratch_ += user;
          j_.KV("arn", scratch_);
          j_.Key("createDate");
          j_.BeginRawString();
          AppendAwsDisplayTime(line_, now_);
          j_.EndRawString();
          j_.EndObject();
          j_.EndObject();
          break;
        case Ev::kCreateLoginProfile:
          j_.Key("responseElements");
          j_.BeginObject();
          j_.Key("loginProfile");
          j_.BeginObject();
          j_.KV("userName", user);
          j_.Key("createDate");
          j_.BeginRawString();
          AppendAwsDisplayTime(line_, now_);
          j_.EndRawString();
          j_.KBool("passwordResetRequired", true);
          j_.EndObject();
          j_.EndObject();
          break;
        default:
          j_.KNull("responseElements");
          break;
      }
    }
    Tail t;
    t.read_only = false;
    t.host = "iam.amazonaws.com";
    t.recipient = p.account;
    t.from_console = p.spec->ua == kUaConsole && p.spec->kind == Kind::kAssumedRole;
    WriteTail(t);
  }

  // ----- CloudTrail / GuardDuty
  void CloudTrailRead(Ev ev) {
    const Principal& p = PickReader();
    const std::string_view region = Region();
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    const bool describe = ev == Ev::kDescribeTrails;
    WriteHead(p, "cloudtrail.amazonaws.com", describe ? "DescribeTrails" : "GetTrailStatus",
              region, ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    if (describe) {
      j_.KBool("includeShadowTrails", rng_.Chance(500));
    } else {
      scratch_ = "arn:aws:cloudtrail:us-east-1:";
      scratch_ += p.account.empty() ? kAccounts[0].id : p.account;
      scratch_ += ":trail/management-events";
      j_.KV("name", scratch_);
    }
    j_.EndObject();
    j_.KNull("responseElements");
    Tail t;
    t.host = p.spec->kind == Kind::kAwsService ? std::string_view()
                                               : RegionalHost("cloudtrail", region);
    t.recipient = p.account.empty() ? kAccounts[0].id : p.account;
    WriteTail(t);
  }

  void CloudTrailWrite(Ev ev) {
    const Principal& p = PickActor(true);
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    std::string_view name = ev == Ev::kStopLogging   ? "StopLogging"
                            : ev == Ev::kDeleteTrail ? "DeleteTrail"
                            : ev == Ev::kUpdateTrail ? "UpdateTrail"
                                                     : "PutEventSelectors";
    action_ = "cloudtrail:";
    action_ += name;
    MaybeDeny(p, 80, "AccessDenied", action_);
    trail_arn_ = "arn:aws:cloudtrail:us-east-1:";
    trail_arn_ += p.account;
    trail_arn_ += rng_.Chance(700) ? ":trail/management-events" : ":trail/org-trail";
    WriteHead(p, "cloudtrail.amazonaws.com", name, "us-east-1", ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    switch (ev) {
      case Ev::kStopLogging:
      case Ev::kDeleteTrail:
        j_.KV("name", trail_arn_);
        break;
      case Ev::kUpdateTrail:
        j_.KV("name", trail_arn_);
        j_.KV("s3BucketName", "cloudtrail-logs-123456789012");
        j_.KBool("isMultiRegionTrail", rng_.Chance(500));
        j_.KBool("enableLogFileValidation", rng_.Chance(500));
        break;
      default:
        j_.KV("trailName", trail_arn_);
        j_.Key("eventSelectors");
        j_.BeginArray();
        j_.BeginObject();
        j_.KV("readWriteType", rng_.Chance(500) ? "All" : "WriteOnly");
        j_.KBool("includeManagementEvents", rng_.Chance(700));
        j_.KRaw("dataResources", "[]");
        j_.KRaw("excludeManagementEventSources", rng_.Chance(500) ? "[]" : "[\"kms.amazonaws.com\"]");
        j_.EndObject();
        j_.EndArray();
        break;
    }
    j_.EndObject();
    if (Failed() || ev == Ev::kStopLogging || ev == Ev::kDeleteTrail) {
      j_.KNull("responseElements");
    } else {
      j_.Key("responseElements");
      j_.BeginObject();
      j_.KV("trailARN", trail_arn_);
      j_.EndObject();
    }
    Tail t;
    t.read_only = false;
    t.host = "cloudtrail.us-east-1.amazonaws.com";
    t.recipient = p.account;
    t.n_resources = 1;
    t.resources[0] = {"AWS::CloudTrail::Trail", trail_arn_, p.account};
    WriteTail(t);
  }

  void DeleteDetector() {
    const Principal& p = PickActor(true);
    const std::string_view region = Region(false);
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    MaybeDeny(p, 80, "AccessDeniedException", "guardduty:DeleteDetector");
    WriteHead(p, "guardduty.amazonaws.com", "DeleteDetector", region, ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    scratch_.clear();
    AppendHex(scratch_, HashString(p.account) ^ HashString(region), 16);
    AppendHex(scratch_, HashString(region), 16);
    j_.KV("detectorId", scratch_);
    j_.EndObject();
    j_.KNull("responseElements");
    Tail t;
    t.read_only = false;
    t.host = RegionalHost("guardduty", region);
    t.recipient = p.account;
    WriteTail(t);
  }

  // ----- Lambda
  void ListFunctions() {
    const Principal& p = PickActor(false);
    const std::string_view region = Region();
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    MaybeDeny(p, 10, "AccessDeniedException", "lambda:ListFunctions");
    WriteHead(p, "lambda.amazonaws.com", "ListFunctions20150331", region, ua);
    j_.KNull("requestParameters");
    j_.KNull("responseElements");
    Tail t;
    t.host = RegionalHost("lambda", region);
    t.recipient = p.account;
    WriteTail(t);
  }

  void LambdaWrite(Ev ev) {
    const Principal& p = PickActor(true);
    const std::string_view region = Region();
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    const bool create = ev == Ev::kCreateFunction;
    MaybeDeny(p, 30, "AccessDeniedException",
              create ? "lambda:CreateFunction" : "lambda:UpdateFunctionCode");
    static constexpr std::array<const char*, 4> kFunctions = {
        {"payroll-export", "thumbnailer", "slack-notifier", "cost-report"}};
    const std::string_view fn = rng_.Pick(kFunctions);
    scratch_ = "arn:aws:lambda:";
    scratch_ += region;
    scratch_ += ':';
    scratch_ += p.account;
    scratch_ += ":function:";
    scratch_ += fn;
    WriteHead(p, "lambda.amazonaws.com",
              create ? "CreateFunction20150331" : "UpdateFunctionCode20150331v2", region, ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    j_.KV("functionName", fn);
    if (create) {
      j_.KV("runtime", rng_.Chance(600) ? "python3.11" : "nodejs18.x");
      scratch2_ = "arn:aws:iam::";
      scratch2_ += p.account;
      scratch2_ += ":role/";
      scratch2_ += rng_.Chance(800) ? "lambda-basic-execution" : "Admin";
      j_.KV("role", scratch2_);
      j_.KV("handler", "index.handler");
      j_.EmptyObject("code");
      j_.KUint("timeout", 30);
      j_.KUint("memorySize", 128);
      j_.KBool("publish", false);
    } else {
      j_.KBool("publish", true);
      j_.KBool("dryRun", false);
    }
    j_.EndObject();
    if (Failed()) {
      j_.KNull("responseElements");
    } else {
      j_.Key("responseElements");
      j_.BeginObject();
      j_.KV("functionName", fn);
      j_.KV("functionArn", scratch_);
      j_.KUint("codeSize", rng_.Range(500, 5000000));
      j_.Key("codeSha256");
      j_.BeginRawString();
      AppendRandomChars(line_, kBase64, 64, 43);
      line_.push_back('=');
      j_.EndRawString();
      j_.KV("version", "$LATEST");
      j_.KV("state", create ? "Pending" : "Active");
      j_.KV("lastUpdateStatus", create ? "Successful" : "InProgress");
      j_.EndObject();
    }
    Tail t;
    t.read_only = false;
    t.host = RegionalHost("lambda", region);
    t.recipient = p.account;
    WriteTail(t);
  }

  // ----- KMS
  void AppendKeyArn(std::string& s, std::string_view region, std::string_view account,
                    uint32_t key) {
    s = "arn:aws:kms:";
    s += region;
    s += ':';
    s += account;
    s += ":key/";
    const uint64_t h = Mix64(HashString(account) + key);
    AppendHex(s, h >> 32, 8);
    s += '-';
    AppendHex(s, (h >> 16) & 0xffff, 4);
    s += "-4";
    AppendHex(s, h & 0xfff, 3);
    s += "-a";
    AppendHex(s, (h >> 52) & 0xfff, 3);
    s += '-';
    AppendHex(s, Mix64(h) & 0xffffffffffffULL, 12);
  }

  void KmsRead(Ev ev) {
    const Principal* p = nullptr;
    if (ev != Ev::kDescribeKey && rng_.Chance(500)) p = FindService("s3.amazonaws.com");
    if (p == nullptr) p = &PickActor(false);
    const std::string_view region = Region();
    ChooseSourceIp(*p);
    const std::string_view ua = ChooseUserAgent(*p, false);
    std::string_view name = ev == Ev::kDescribeKey ? "DescribeKey"
                            : ev == Ev::kDecrypt   ? "Decrypt"
                                                   : "GenerateDataKey";
    MaybeDeny(*p, 10, "AccessDeniedException", "kms:Decrypt");
    const std::string_view account = p->account;
    AppendKeyArn(key_arn_, region, account, rng_.Below(3));
    WriteHead(*p, "kms.amazonaws.com", name, region, ua);
    j_.Key("requestParameters");
    j_.BeginObject();
    if (ev == Ev::kDescribeKey) {
      j_.KV("keyId", rng_.Chance(500) ? std::string_view("alias/aws/s3") : key_arn_);
    } else {
      if (ev == Ev::kGenerateDataKey) {
        j_.KV("keyId", key_arn_);
        j_.KV("keySpec", "AES_256");
      }
      j_.KV("encryptionAlgorithm", "SYMMETRIC_DEFAULT");
      j_.Key("encryptionContext");
      j_.BeginObject();
      const Bucket& b = PickBucket();
      scratch_ = "arn:aws:s3:::";
      scratch_ += b.name;
      j_.KV("aws:s3:arn", scratch_);
      j_.EndObject();
    }
    j_.EndObject();
    j_.KNull("responseElements");
    Tail t;
    t.host = p->spec->kind == Kind::kAwsService ? std::string_view() : RegionalHost("kms", region);
    t.recipient = account;
    t.n_resources = 1;
    t.resources[0] = {"AWS::KMS::Key", key_arn_, account};
    WriteTail(t);
  }

  void KmsWrite(Ev ev) {
    const Principal& p = PickActor(true);
    const std::string_view region = Region();
    ChooseSourceIp(p);
    const std::string_view ua = ChooseUserAgent(p, false);
    const bool disable = ev == Ev::kDisableKey;
    MaybeDeny(p, 60, "AccessDeniedException",
              disable ? "kms:DisableKey" : "kms:ScheduleKeyDeletion");
    AppendKeyArn(key_arn_, region, p.account, rng_.Below(3));
    WriteHead(p, "kms.amazonaws.com", disable ? "DisableKey" : "ScheduleKeyDeletion", region,
              ua);
    const uint32_t days = rng_.Chance(500) ? 7 : 30;
    j_.Key("requestParameters");
    j_.BeginObject();
    j_.KV("keyId", key_arn_);
    if (!disable) j_.KUint("pendingWindowInDays", days);
    j_.EndObject();
    if (disable || Failed()) {
      j_.KNull("responseElements");
    } else {
      j_.Key("responseElements");
      j_.BeginObject();
      j_.KV("keyId", key_arn_);
      j_.Key("deletionDate");
      j_.BeginRawString();
      AppendAwsDisplayTime(line_, now_ + static_cast<int64_t>(days) * 86400);
      j_.EndRawString();
      j_.KV("keyState", "PendingDeletion");
      j_.KUint("pendingWindowInDays", days);
      j_.EndObject();
    }
    Tail t;
    t.read_only = false;
    t.host = RegionalHost("kms", region);
    t.recipient = p.account;
    t.n_resources = 1;
    t.resources[0] = {"AWS::KMS::Key", key_arn_, p.account};
    WriteTail(t);
  }

  // An AwsServiceEvent: KMS rotating a key on its own. Such records carry a
  // userIdentity without a type.
  void RotateKey() {
    const Account& acct = kAccounts[rng_.Below(4)];
    const std::string_view region = Region();
    AppendKeyArn(key_arn_, region, acct.id, rng_.Below(3));
    j_.BeginObject();
    j_.KV("eventVersion", "1.08");
    j_.Key("userIdentity");
    j_.BeginObject();
    j_.KV("accountId", acct.id);
    j_.KV("invokedBy", "kms.amazonaws.com");
    j_.EndObject();
    j_.Key("eventTime");
    j_.BeginRawString();
    AppendIsoTime(line_, now_);
    j_.EndRawString();
    j_.KV("eventSource", "kms.amazonaws.com");
    j_.KV("eventName", "RotateKey");
    j_.KV("awsRegion", region);
    j_.KV("sourceIPAddress", "kms.amazonaws.com");
    j_.KV("userAgent", "kms.amazonaws.com");
    j_.KNull("requestParameters");
    j_.KNull("responseElements");
    j_.Key("additionalEventData");
    j_.BeginObject();
    j_.KV("keyId", key_arn_);
    j_.EndObject();
    Tail t;
    t.event_type = "AwsServiceEvent";
    t.recipient = acct.id;
    t.n_resources = 1;
    t.resources[0] = {"AWS::KMS::Key", key_arn_, acct.id};
    WriteTail(t);
  }

  // ----- state
  Rng rng_;
  uint64_t id_key_;
  Buf line_;
  Json j_;
  std::vector<Principal> cast_;
  std::vector<size_t> console_users_;
  uint32_t read_total_ = 0;
  uint32_t write_total_ = 0;
  uint32_t mix_total_ = 0;
  uint64_t mean_gap_ms_ = 1;
  int64_t now_ms_ = 0;
  int64_t now_ = 0;
  uint64_t index_ = 0;

  // Per-record scratch (reused; no allocation once warm).
  std::string ip_;
  std::string host_;
  std::string error_code_;
  std::string error_message_;
  std::string object_key_;
  std::string bucket_arn_;
  std::string object_arn_;
  std::string role_arn_;
  std::string session_;
  std::string key_arn_;
  std::string trail_arn_;
  std::string action_;
  std::string scratch_;
  std::string scratch2_;
};

}  // namespace

void GenerateEvents(uint64_t count, uint64_t seed, FILE* out) {
  Generator gen(count, seed);
  for (uint64_t i = 0; i < count; ++i) gen.Emit(i, out);
}

}  // namespace trailhound

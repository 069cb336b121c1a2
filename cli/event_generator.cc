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

// `v` in decimal, zero-padded to `width` digits.
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

template <typename S>
void AppendUint(S& s, uint64_t v) {
  AppendPadded(s, v, 0);
}

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" from its five groups (high bits
// beyond each group's width are ignored).
template <typename S>
void AppendGuid(S& s, uint64_t g1, uint64_t g2, uint64_t g3, uint64_t g4, uint64_t g5) {
  AppendHex(s, g1, 8);
  s.push_back('-');
  AppendHex(s, g2, 4);
  s.push_back('-');
  AppendHex(s, g3, 4);
  s.push_back('-');
  AppendHex(s, g4, 4);
  s.push_back('-');
  AppendHex(s, g5, 12);
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
  __attribute__((always_inline)) Buf& operator+=(std::string_view v) {
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
  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void BeginObject(std::string_view k) {
    Key(k);
    BeginObject();
  }
  void BeginArray(std::string_view k) {
    Key(k);
    BeginArray();
  }
  // "k":[{ ... }]: an array holding one object.
  void BeginItem(std::string_view k) {
    BeginArray(k);
    BeginObject();
  }
  void EndItem() {
    EndObject();
    EndArray();
  }
  // "k":{"items":[{ ... }]}: EC2's shape of a one-element list.
  void BeginItemSet(std::string_view k) {
    BeginObject(k);
    BeginItem("items");
  }
  void EndItemSet() {
    EndItem();
    EndObject();
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
  void BeginRawString(std::string_view k) {
    Key(k);
    BeginRawString();
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
  void Open(char bracket) {
    Sep();
    s_.push_back(bracket);
    comma_ = false;
  }
  void Close(char bracket) {
    s_.push_back(bracket);
    comma_ = true;
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

// userIdentity.type
constexpr std::string_view KindName(Kind k) {
  constexpr std::string_view kNames[] = {"IAMUser", "AssumedRole", "Root", "AWSService",
                                         "FederatedUser"};
  return kNames[static_cast<int>(k)];
}

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

// A service as CloudTrail names it, and how it words a denied call.
struct Service {
  std::string_view source;     // eventSource
  std::string_view prefix;     // of its IAM actions ("s3:…")
  std::string_view deny_code;  // errorCode of a denied call
};
constexpr Service kS3 = {"s3.amazonaws.com", "s3", "AccessDenied"};
constexpr Service kEc2 = {"ec2.amazonaws.com", "ec2", "Client.UnauthorizedOperation"};
constexpr Service kIam = {"iam.amazonaws.com", "iam", "AccessDenied"};
constexpr Service kSts = {"sts.amazonaws.com", "sts", "AccessDenied"};
constexpr Service kKms = {"kms.amazonaws.com", "kms", "AccessDeniedException"};
constexpr Service kLambda = {"lambda.amazonaws.com", "lambda", "AccessDeniedException"};
constexpr Service kCloudTrail = {"cloudtrail.amazonaws.com", "cloudtrail", "AccessDenied"};
constexpr Service kGuardDuty = {"guardduty.amazonaws.com", "guardduty", "AccessDeniedException"};
constexpr Service kSignIn = {"signin.amazonaws.com", "signin", {}};

// How often each event happens (per 10,000, roughly) and what it is called.
// In the order of Ev.
struct EvInfo {
  Ev ev;
  uint32_t weight;
  const Service* service;
  std::string_view name;  // eventName
};

constexpr std::array<EvInfo, 49> kEvents = {{
    {Ev::kGetObject, 1300, &kS3, "GetObject"},
    {Ev::kPutObject, 480, &kS3, "PutObject"},
    {Ev::kHeadObject, 400, &kS3, "HeadObject"},
    {Ev::kListObjects, 300, &kS3, "ListObjects"},
    {Ev::kDeleteObject, 80, &kS3, "DeleteObject"},
    {Ev::kListBuckets, 200, &kS3, "ListBuckets"},
    {Ev::kGetBucketAcl, 80, &kS3, "GetBucketAcl"},
    {Ev::kDescribeInstances, 900, &kEc2, "DescribeInstances"},
    {Ev::kDescribeSecurityGroups, 300, &kEc2, "DescribeSecurityGroups"},
    {Ev::kGetCallerIdentity, 800, &kSts, "GetCallerIdentity"},
    {Ev::kListRoles, 330, &kIam, "ListRoles"},
    {Ev::kListUsers, 180, &kIam, "ListUsers"},
    {Ev::kListAccessKeys, 80, &kIam, "ListAccessKeys"},
    {Ev::kDescribeTrails, 60, &kCloudTrail, "DescribeTrails"},
    {Ev::kGetTrailStatus, 60, &kCloudTrail, "GetTrailStatus"},
    {Ev::kListFunctions, 90, &kLambda, "ListFunctions20150331"},
    {Ev::kDescribeKey, 100, &kKms, "DescribeKey"},
    {Ev::kDecrypt, 650, &kKms, "Decrypt"},
    {Ev::kGenerateDataKey, 150, &kKms, "GenerateDataKey"},
    {Ev::kAssumeRole, 550, &kSts, "AssumeRole"},
    {Ev::kAssumeRoleWithWebIdentity, 60, &kSts, "AssumeRoleWithWebIdentity"},
    {Ev::kConsoleLogin, 230, &kSignIn, "ConsoleLogin"},
    {Ev::kRotateKey, 20, &kKms, "RotateKey"},
    {Ev::kPutRolePolicy, 30, &kIam, "PutRolePolicy"},
    {Ev::kAttachGroupPolicy, 20, &kIam, "AttachGroupPolicy"},
    {Ev::kAttachUserPolicy, 20, &kIam, "AttachUserPolicy"},
    {Ev::kAttachRolePolicy, 25, &kIam, "AttachRolePolicy"},
    {Ev::kCreatePolicyVersion, 15, &kIam, "CreatePolicyVersion"},
    {Ev::kCreateAccessKey, 20, &kIam, "CreateAccessKey"},
    {Ev::kCreateUser, 15, &kIam, "CreateUser"},
    {Ev::kCreateLoginProfile, 12, &kIam, "CreateLoginProfile"},
    {Ev::kUpdateAssumeRolePolicy, 12, &kIam, "UpdateAssumeRolePolicy"},
    {Ev::kDeleteRolePolicy, 12, &kIam, "DeleteRolePolicy"},
    {Ev::kAuthorizeSecurityGroupIngress, 45, &kEc2, "AuthorizeSecurityGroupIngress"},
    {Ev::kRunInstances, 50, &kEc2, "RunInstances"},
    {Ev::kTerminateInstances, 20, &kEc2, "TerminateInstances"},
    {Ev::kCreateKeyPair, 15, &kEc2, "CreateKeyPair"},
    {Ev::kStopLogging, 10, &kCloudTrail, "StopLogging"},
    {Ev::kDeleteTrail, 10, &kCloudTrail, "DeleteTrail"},
    {Ev::kUpdateTrail, 10, &kCloudTrail, "UpdateTrail"},
    {Ev::kPutEventSelectors, 10, &kCloudTrail, "PutEventSelectors"},
    {Ev::kDeleteDetector, 10, &kGuardDuty, "DeleteDetector"},
    {Ev::kPutBucketPolicy, 20, &kS3, "PutBucketPolicy"},
    {Ev::kPutBucketAcl, 15, &kS3, "PutBucketAcl"},
    {Ev::kDeleteBucketPublicAccessBlock, 12, &kS3, "DeleteBucketPublicAccessBlock"},
    {Ev::kDisableKey, 10, &kKms, "DisableKey"},
    {Ev::kScheduleKeyDeletion, 10, &kKms, "ScheduleKeyDeletion"},
    {Ev::kCreateFunction, 15, &kLambda, "CreateFunction20150331"},
    {Ev::kUpdateFunctionCode, 20, &kLambda, "UpdateFunctionCode20150331v2"},
}};

constexpr bool EventsInOrder() {
  for (size_t i = 0; i < kEvents.size(); ++i) {
    if (static_cast<size_t>(kEvents[i].ev) != i) return false;
  }
  return true;
}
static_assert(EventsInOrder(), "kEvents is indexed by Ev");

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
    for (const auto& m : kEvents) mix_total_ += m.weight;
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
    for (const auto& m : kEvents) {
      if (r < m.weight) return m.ev;
      r -= m.weight;
    }
    return Ev::kGetObject;
  }

  // A principal drawn by one of its weights (read_weight or write_weight).
  const Principal& PickWeighted(int PrincipalSpec::*weight, uint32_t total) {
    uint32_t r = rng_.Below(total);
    for (const auto& p : cast_) {
      const uint32_t w = static_cast<uint32_t>(p.spec->*weight);
      if (r < w) return p;
      r -= w;
    }
    return cast_[0];
  }
  const Principal& PickReader() { return PickWeighted(&PrincipalSpec::read_weight, read_total_); }
  const Principal& PickWriter() { return PickWeighted(&PrincipalSpec::write_weight, write_total_); }
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
    AppendGuid(s, a >> 32, a >> 16, 0x4000 | (a & 0x0fff), 0x8000 | ((b >> 48) & 0x3fff), b);
  }
  // Unique per record: 64 bits are a bijection of the record index.
  template <typename S>
  void AppendEventId(S& s) {
    const uint64_t u = Mix64(index_ ^ id_key_);
    const uint64_t r = rng_.Next();
    // The last group leads with the 4 bits of `u` not placed before it.
    AppendGuid(s, u >> 32, u >> 16, 0x4000 | ((u >> 4) & 0x0fff), 0x8000 | ((r >> 50) & 0x3fff),
               ((u & 0xf) << 44) | (r & 0xfffffffffffULL));
  }
  template <typename S>
  void AppendRandomChars(S& s, const char* alphabet, uint32_t n, int len) {
    char* p = Extend(s, static_cast<size_t>(len));
    for (int i = 0; i < len; ++i) *p++ = alphabet[rng_.Below(n)];
  }

  // ----- record parts
  // Members whose string value is appended straight to the line (our own
  // text, never in need of escaping).
  void KUuid(std::string_view k) {
    j_.BeginRawString(k);
    AppendUuid(line_);
    j_.EndRawString();
  }
  void KIsoTime(std::string_view k, int64_t secs) {
    j_.BeginRawString(k);
    AppendIsoTime(line_, secs);
    j_.EndRawString();
  }
  void KDisplayTime(std::string_view k, int64_t secs) {
    j_.BeginRawString(k);
    AppendAwsDisplayTime(line_, secs);
    j_.EndRawString();
  }
  // `prefix` and then `len` random characters of alphabet[0, n).
  void KRandom(std::string_view k, std::string_view prefix, const char* alphabet, uint32_t n,
               int len) {
    j_.BeginRawString(k);
    line_ += prefix;
    AppendRandomChars(line_, alphabet, n, len);
    j_.EndRawString();
  }
  // `prefix` and then 16 random hex digits ("i-0…", "sgr-0…").
  void KHexId(std::string_view k, std::string_view prefix) {
    j_.BeginRawString(k);
    line_ += prefix;
    AppendHex(line_, rng_.Next(), 16);
    j_.EndRawString();
  }

  // type, principalId, arn and accountId of a userIdentity.
  void WriteIdentityHead(const Principal& p) {
    j_.KV("type", KindName(p.spec->kind));
    j_.KV("principalId", p.principal_id);
    j_.KV("arn", p.arn);
    j_.KV("accountId", p.account);
  }
  void WriteUserIdentity(const Principal& p) {
    const PrincipalSpec& s = *p.spec;
    j_.BeginObject("userIdentity");
    if (s.kind == Kind::kAwsService) {
      j_.KV("type", KindName(s.kind));
      j_.KV("invokedBy", s.name);
    } else {
      WriteIdentityHead(p);
      if (s.kind == Kind::kIamUser && s.ua != kUaConsole) {
        j_.KV("accessKeyId", p.long_term_key);
      } else {
        // Console sessions of IAM users use temporary keys.
        WriteSessionKey(p);
      }
      if (s.kind == Kind::kIamUser || s.kind == Kind::kRoot) j_.KV("userName", p.user_name);
      if (s.kind != Kind::kIamUser || s.ua == kUaConsole) {
        WriteSessionContext(p, s.kind != Kind::kFederatedUser && s.mfa);
      }
    }
    j_.EndObject();
  }
  // sessionContext: the sessionIssuer of roles and federated users, the web
  // identity data of roles, and the session attributes.
  void WriteSessionContext(const Principal& p, bool mfa) {
    j_.BeginObject("sessionContext");
    if (!p.issuer_type.empty()) {
      j_.BeginObject("sessionIssuer");
      j_.KV("type", p.issuer_type);
      j_.KV("principalId", p.issuer_principal_id);
      j_.KV("arn", p.issuer_arn);
      j_.KV("accountId", p.account);
      j_.KV("userName", p.issuer_user_name);
      j_.EndObject();
    }
    if (p.spec->kind == Kind::kAssumedRole) {
      j_.BeginObject("webIdFederationData");
      if (p.web_identity) {
        j_.KV("federatedProvider", "arn:aws:iam::" + p.account +
                                       ":oidc-provider/token.actions.githubusercontent.com");
        j_.EmptyObject("attributes");
      }
      j_.EndObject();
    }
    j_.BeginObject("attributes");
    KIsoTime("creationDate", SessionStart());
    j_.KV("mfaAuthenticated", mfa ? "true" : "false");
    j_.EndObject();
    j_.EndObject();
  }
  // Sessions start on the hour and last an hour.
  int64_t SessionStart() const { return now_ - now_ % 3600; }
  // accessKeyId: an ASIA… temporary key, stable within a principal's hourly
  // session.
  void WriteSessionKey(const Principal& p) {
    j_.BeginRawString("accessKeyId");
    uint64_t h = Mix64(HashString(p.arn) ^ static_cast<uint64_t>(now_ / 3600));
    line_ += "ASIA";
    for (int i = 0; i < 16; ++i) {
      line_.push_back(kIamIdChars[h & 31]);
      h >>= 5;
      if (i == 11) h = Mix64(h ^ 0x9e3779b97f4a7c15ULL);
    }
    j_.EndRawString();
  }

  const EvInfo& Info() const { return kEvents[static_cast<size_t>(ev_)]; }

  // Picks the caller's source address and user agent.
  void Caller(const Principal& p, bool s3 = false) {
    ChooseSourceIp(p);
    ua_ = ChooseUserAgent(p, s3);
  }
  // A regional call by `p`: picks the region, the caller's address and agent,
  // and perhaps a denial. Returns the region.
  std::string_view RegionalCall(const Principal& p, bool mostly_home, uint32_t denied_per_mille,
                                std::string_view action = {}) {
    const std::string_view region = Region(mostly_home);
    Caller(p);
    MaybeDeny(p, denied_per_mille, action);
    return region;
  }

  // Everything up to userAgent (as Caller() picked it), plus
  // errorCode/errorMessage when set.
  void WriteHead(const Principal& p, std::string_view region) {
    j_.BeginObject();
    j_.KV("eventVersion", rng_.Chance(150) ? "1.08" : "1.09");
    WriteUserIdentity(p);
    WriteEventBasics(region, ua_);
  }
  // eventTime … userAgent of the current event, then errorCode/errorMessage
  // when set.
  void WriteEventBasics(std::string_view region, std::string_view ua) {
    KIsoTime("eventTime", now_);
    j_.KV("eventSource", Info().service->source);
    j_.KV("eventName", Info().name);
    j_.KV("awsRegion", region);
    j_.KV("sourceIPAddress", ip_);
    j_.KV("userAgent", ua);
    if (!error_code_.empty()) {
      j_.KV("errorCode", error_code_);
      j_.KV("errorMessage", error_message_);
    }
  }

  // responseElements: null when `null`, else an object that `body` fills.
  template <typename F>
  void WriteResponse(bool null, F&& body) {
    if (null) {
      j_.KNull("responseElements");
      return;
    }
    j_.BeginObject("responseElements");
    body();
    j_.EndObject();
  }
  // The responseElements of an EC2 change: null on failure, else a requestId
  // and what `body` writes.
  template <typename F>
  void WriteEc2Response(F&& body) {
    WriteResponse(Failed(), [&] {
      KUuid("requestId");
      body();
    });
  }

  struct Tail {
    bool read_only = true;
    bool management = true;
    std::string_view event_type = "AwsApiCall";
    std::string_view host = {};  // tlsDetails.clientProvidedHostHeader; empty: no tlsDetails
    std::string_view recipient = {};
    bool s3_request_id = false;
    bool from_console = false;
    int n_resources = 0;
    Resource resources[2] = {};
    std::string_view shared_event_id = {};
  };
  void WriteTail(const Tail& t) {
    j_.BeginRawString("requestID");
    if (t.s3_request_id) {
      AppendRandomChars(line_, kUpperAlnum, 36, 16);
    } else {
      AppendUuid(line_);
    }
    j_.EndRawString();
    j_.BeginRawString("eventID");
    AppendEventId(line_);
    j_.EndRawString();
    j_.KBool("readOnly", t.read_only);
    if (t.n_resources > 0) {
      j_.BeginArray("resources");
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
      j_.BeginObject("tlsDetails");
      const bool tls13 = rng_.Chance(350);
      j_.KV("tlsVersion", tls13 ? "TLSv1.3" : "TLSv1.2");
      j_.KV("cipherSuite", tls13 ? "TLS_AES_128_GCM_SHA256" : "ECDHE-RSA-AES128-GCM-SHA256");
      j_.KV("clientProvidedHostHeader", t.host);
      j_.EndObject();
    }
    if (t.from_console) j_.KV("sessionCredentialFromConsole", "true");
    j_.EndObject();
  }
  // sessionCredentialFromConsole: console sessions of assumed roles.
  static bool FromConsole(const Principal& p) {
    return p.spec->ua == kUaConsole && p.spec->kind == Kind::kAssumedRole;
  }

  // Decides errorCode/errorMessage for the current event. `denied_per_mille`
  // is the base chance of AccessDenied (multiplied for suspicious principals);
  // the message names `action`, by default the event's own.
  void MaybeDeny(const Principal& p, uint32_t denied_per_mille, std::string_view action = {}) {
    error_code_.clear();
    error_message_.clear();
    uint32_t chance = p.spec->suspicious ? denied_per_mille * 8 + 150 : denied_per_mille;
    if (p.spec->kind == Kind::kAwsService || p.spec->kind == Kind::kRoot) chance = 0;
    if (chance > 900) chance = 900;
    if (!rng_.Chance(chance)) return;
    const std::string_view code = Info().service->deny_code;
    if (action.empty()) {
      action_ = Info().service->prefix;
      action_.push_back(':');
      action_ += Info().name;
      action = action_;
    }
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
  // The regional endpoint, or none for AWS services calling from inside AWS.
  std::string_view CallerHost(const Principal& p, std::string_view service,
                              std::string_view region) {
    return p.spec->kind == Kind::kAwsService ? std::string_view() : RegionalHost(service, region);
  }

  // ----- dispatch
 public:
  using Writer = void (Generator::*)(Ev);
  static const std::array<Writer, 49> kWriters;  // indexed by Ev

 private:
  void Write(Ev ev) {
    ClearError();
    ev_ = ev;
    (this->*kWriters[static_cast<size_t>(ev)])(ev);
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
  // The bucket's virtual-hosted endpoint, in host_.
  void SetBucketHost(const Bucket& b) {
    host_.assign(b.name);
    host_ += ".s3.";
    host_ += b.region;
    host_ += ".amazonaws.com";
  }
  // The bucket as a resource (its ARN in bucket_arn_).
  Resource BucketResource(const Bucket& b) {
    bucket_arn_ = "arn:aws:s3:::";
    bucket_arn_ += b.name;
    return {"AWS::S3::Bucket", bucket_arn_, kAccounts[b.account].id};
  }
  // additionalEventData of an S3 call; `bytes_out` is asked for last.
  template <typename F>
  void WriteS3EventData(uint64_t bytes_in, F&& bytes_out) {
    j_.BeginObject("additionalEventData");
    j_.KV("SignatureVersion", "SigV4");
    j_.KV("CipherSuite", "ECDHE-RSA-AES128-GCM-SHA256");
    j_.KUint("bytesTransferredIn", bytes_in);
    j_.KV("AuthenticationMethod", "AuthHeader");
    KRandom("x-amz-id-2", {}, kBase64, 64, 76);
    j_.KUint("bytesTransferredOut", bytes_out());
    j_.EndObject();
  }

  void S3Data(Ev ev) {
    const bool write = ev == Ev::kPutObject || ev == Ev::kDeleteObject;
    const Principal& p = PickActor(write && rng_.Chance(300));
    const Bucket& b = PickBucket();
    Caller(p, true);
    if (p.spec->kind == Kind::kRoot) ip_ = p.home_ip.empty() ? "192.0.2.66" : p.home_ip;
    MaybeDeny(p, b.sensitive ? 40 : 8, "s3:GetObject");
    if (!Failed() && (ev == Ev::kGetObject || ev == Ev::kHeadObject) && rng_.Chance(15)) {
      error_code_ = "NoSuchKey";
      error_message_ = "The specified key does not exist.";
    }
    SetBucketHost(b);
    object_key_.clear();
    AppendObjectKey(object_key_, b);

    WriteHead(p, b.region);
    j_.BeginObject("requestParameters");
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
    WriteResponse(ev != Ev::kPutObject || Failed(), [&] {
      KRandom("x-amz-version-id", {}, kBase64, 62, 32);
      j_.KV("x-amz-server-side-encryption", "AES256");
    });
    const uint32_t size = rng_.Below(8) == 0 ? rng_.Below(50000000) : rng_.Below(200000);
    WriteS3EventData(ev == Ev::kPutObject ? size : 0,
                     [&] { return ev == Ev::kGetObject && !Failed() ? size : 0; });

    Tail t{.read_only = !write,
           .management = false,
           .host = host_,
           .recipient = kAccounts[b.account].id,
           .s3_request_id = true,
           .from_console = FromConsole(p)};
    const Resource bucket = BucketResource(b);
    if (ev == Ev::kListObjects) {
      t.n_resources = 1;
      t.resources[0] = bucket;
    } else {
      object_arn_ = bucket_arn_;
      object_arn_.push_back('/');
      object_arn_ += object_key_;
      t.n_resources = 2;
      t.resources[0] = {"AWS::S3::Object", object_arn_, {}};
      t.resources[1] = bucket;
    }
    WriteTail(t);
  }

  void ListBuckets(Ev) {
    const Principal& p = PickActor(false);
    Caller(p, true);
    MaybeDeny(p, 5, "s3:ListAllMyBuckets");
    WriteHead(p, "us-east-1");
    j_.BeginObject("requestParameters");
    j_.KV("Host", "s3.amazonaws.com");
    j_.EndObject();
    j_.KNull("responseElements");
    WriteS3EventData(0, [&] { return rng_.Range(400, 6000); });
    WriteTail({.host = "s3.amazonaws.com",
               .recipient = p.account,
               .s3_request_id = true,
               .from_console = FromConsole(p)});
  }

  // GetBucketAcl, PutBucketPolicy, PutBucketAcl, DeleteBucketPublicAccessBlock
  void S3BucketManagement(Ev ev) {
    const bool write = ev != Ev::kGetBucketAcl;
    const Principal& p = PickActor(write);
    const Bucket& b = PickBucket();
    Caller(p, true);
    MaybeDeny(p, write ? 60 : 10, "s3:PutBucketPolicy");
    SetBucketHost(b);
    WriteHead(p, b.region);
    j_.BeginObject("requestParameters");
    if (ev == Ev::kPutBucketPolicy) WriteBucketPolicy(b);
    j_.KV("bucketName", b.name);
    j_.KV("Host", host_);
    j_.KV(ev == Ev::kPutBucketPolicy                 ? "policy"
          : ev == Ev::kDeleteBucketPublicAccessBlock ? "publicAccessBlock"
                                                     : "acl",
          "");
    if (ev == Ev::kPutBucketAcl) WriteAccessControlPolicy();
    j_.EndObject();
    j_.KNull("responseElements");
    WriteS3EventData(write ? rng_.Range(100, 900) : 0,
                     [&] { return write ? 0 : rng_.Range(300, 900); });
    WriteTail({.read_only = !write,
               .host = host_,
               .recipient = kAccounts[b.account].id,
               .s3_request_id = true,
               .n_resources = 1,
               .resources = {BucketResource(b)}});
  }
  void WriteBucketPolicy(const Bucket& b) {
    j_.BeginObject("bucketPolicy");
    j_.KV("Version", "2012-10-17");
    j_.BeginItem("Statement");
    const bool is_public = rng_.Chance(400);
    j_.KV("Sid", is_public ? "PublicRead" : "AllowAnalyticsRole");
    j_.KV("Effect", "Allow");
    if (is_public) {
      j_.KV("Principal", "*");
    } else {
      j_.BeginObject("Principal");
      j_.KV("AWS", "arn:aws:iam::444455556666:role/DataScience");
      j_.EndObject();
    }
    j_.KV("Action", "s3:GetObject");
    scratch_ = "arn:aws:s3:::";
    scratch_ += b.name;
    scratch_ += "/*";
    j_.KV("Resource", scratch_);
    j_.EndItem();
    j_.EndObject();
  }
  void WriteAccessControlPolicy() {
    j_.BeginObject("AccessControlPolicy");
    j_.BeginObject("AccessControlList");
    j_.BeginObject("Grant");
    j_.BeginObject("Grantee");
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
  }

  // ----- EC2
  void WriteEc2WriteTail(const Principal& p, std::string_view region,
                         bool from_console = false) {
    WriteTail({.read_only = false,
               .host = RegionalHost("ec2", region),
               .recipient = p.account,
               .from_console = from_console});
  }

  void Ec2Describe(Ev ev) {
    const Principal& p = PickReader();
    const std::string_view region = RegionalCall(p, true, 6, "ec2:DescribeInstances");
    WriteHead(p, region);
    j_.BeginObject("requestParameters");
    if (ev == Ev::kDescribeSecurityGroups) {
      j_.EmptyObject("securityGroupSet");
      j_.EmptyObject("securityGroupIdSet");
      j_.BeginItemSet("filterSet");
      j_.KV("name", "vpc-id");
      j_.KRaw("valueSet", "{\"items\":[{\"value\":\"vpc-0a1b2c3d4e5f60718\"}]}");
      j_.EndItemSet();
    } else {
      j_.BeginObject("instancesSet");
      if (rng_.Chance(300)) {
        j_.BeginItem("items");
        KHexId("instanceId", "i-0");
        j_.EndItem();
      }
      j_.EndObject();
      j_.EmptyObject("filterSet");
      if (rng_.Chance(400)) j_.KUint("maxResults", 1000);
    }
    j_.EndObject();
    j_.KNull("responseElements");
    WriteTail({.host = CallerHost(p, "ec2", region),
               .recipient = p.account,
               .from_console = FromConsole(p)});
  }

  void AuthorizeIngress(Ev) {
    const Principal& p = PickActor(true);
    const std::string_view region = RegionalCall(p, true, 40);
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
    WriteHead(p, region);
    j_.BeginObject("requestParameters");
    j_.KV("groupId", group_id);
    j_.BeginItemSet("ipPermissions");
    j_.KV("ipProtocol", "tcp");
    j_.KUint("fromPort", port);
    j_.KUint("toPort", port);
    j_.EmptyObject("groups");
    j_.BeginObject("ipRanges");
    if (!cidr4.empty()) {
      j_.BeginItem("items");
      j_.KV("cidrIp", cidr4);
      if (rng_.Chance(300)) j_.KV("description", "temp access");
      j_.EndItem();
    }
    j_.EndObject();
    j_.BeginObject("ipv6Ranges");
    if (!cidr6.empty()) {
      j_.BeginItem("items");
      j_.KV("cidrIpv6", cidr6);
      j_.EndItem();
    }
    j_.EndObject();
    j_.EmptyObject("prefixListIds");
    j_.EndItemSet();
    j_.EndObject();
    WriteEc2Response([&] {
      j_.KBool("_return", true);
      j_.BeginItemSet("securityGroupRuleSet");
      j_.KV("groupOwnerId", p.account);
      j_.KV("groupId", group_id);
      KHexId("securityGroupRuleId", "sgr-0");
      j_.KBool("isEgress", false);
      j_.KV("ipProtocol", "tcp");
      j_.KUint("fromPort", port);
      j_.KUint("toPort", port);
      if (!cidr4.empty()) {
        j_.KV("cidrIpv4", cidr4);
      } else {
        j_.KV("cidrIpv6", cidr6);
      }
      j_.EndItemSet();
    });
    WriteEc2WriteTail(p, region, FromConsole(p));
  }

  void RunInstances(Ev) {
    const Principal& p = PickActor(true);
    const std::string_view region = RegionalCall(p, false, 30);
    static constexpr std::array<const char*, 6> kTypes = {
        {"t3.micro", "t3.medium", "m5.large", "c5.xlarge", "t3.micro", "p3.16xlarge"}};
    const std::string_view type = rng_.Pick(kTypes);
    const uint32_t n = type == "p3.16xlarge" ? rng_.Range(4, 20) : 1;
    WriteHead(p, region);
    j_.BeginObject("requestParameters");
    j_.BeginItemSet("instancesSet");
    j_.KV("imageId", "ami-0c7217cdde317cfec");
    j_.KUint("minCount", n);
    j_.KUint("maxCount", n);
    j_.EndItemSet();
    j_.KV("instanceType", type);
    j_.EmptyObject("blockDeviceMapping");
    j_.KRaw("monitoring", "{\"enabled\":false}");
    j_.KBool("disableApiTermination", false);
    j_.KBool("disableApiStop", false);
    KUuid("clientToken");
    j_.EndObject();
    std::string instance_id = "i-0";
    AppendHex(instance_id, rng_.Next(), 16);
    WriteEc2Response([&] {
      KHexId("reservationId", "r-0");
      j_.KV("ownerId", p.account);
      j_.EmptyObject("groupSet");
      j_.BeginItemSet("instancesSet");
      j_.KV("instanceId", instance_id);
      j_.KV("imageId", "ami-0c7217cdde317cfec");
      j_.KRaw("instanceState", "{\"code\":0,\"name\":\"pending\"}");
      j_.KV("instanceType", type);
      j_.KUint("launchTime", static_cast<uint64_t>(now_) * 1000);
      j_.EndItemSet();
    });
    WriteEc2WriteTail(p, region);
  }

  void TerminateInstances(Ev) {
    const Principal& p = PickActor(true);
    const std::string_view region = RegionalCall(p, true, 30);
    std::string instance_id = "i-0";
    AppendHex(instance_id, rng_.Next(), 16);
    WriteHead(p, region);
    j_.BeginObject("requestParameters");
    j_.BeginItemSet("instancesSet");
    j_.KV("instanceId", instance_id);
    j_.EndItemSet();
    j_.EndObject();
    WriteEc2Response([&] {
      j_.BeginItemSet("instancesSet");
      j_.KV("instanceId", instance_id);
      j_.KRaw("currentState", "{\"code\":32,\"name\":\"shutting-down\"}");
      j_.KRaw("previousState", "{\"code\":16,\"name\":\"running\"}");
      j_.EndItemSet();
    });
    WriteEc2WriteTail(p, region);
  }

  void CreateKeyPair(Ev) {
    const Principal& p = PickActor(true);
    const std::string_view region = RegionalCall(p, false, 30);
    std::string key_name = rng_.Chance(300) ? "tmp-" : "deploy-";
    AppendUint(key_name, rng_.Below(1000));
    WriteHead(p, region);
    j_.BeginObject("requestParameters");
    j_.KV("keyName", key_name);
    j_.KV("keyType", "rsa");
    j_.KV("keyFormat", "pem");
    j_.EndObject();
    WriteEc2Response([&] {
      j_.KV("keyName", key_name);
      j_.BeginRawString("keyFingerprint");
      for (int i = 0; i < 20; ++i) {
        if (i) line_.push_back(':');
        AppendHex(line_, rng_.Below(256), 2);
      }
      j_.EndRawString();
      KHexId("keyPairId", "key-0");
      j_.KV("keyMaterial", "<sensitiveDataRemoved>");
    });
    WriteEc2WriteTail(p, region);
  }

  // ----- STS
  void GetCallerIdentity(Ev) {
    const Principal& p = PickActor(false);
    Caller(p);
    const std::string_view region = Region();
    WriteHead(p, region);
    j_.KNull("requestParameters");
    j_.KNull("responseElements");
    WriteTail({.host = RegionalHost("sts", region), .recipient = p.account});
  }

  void AssumeRole(Ev) {
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
    Caller(*p);
    MaybeDeny(*p, 20);
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
    WriteHead(*p, region);
    j_.BeginObject("requestParameters");
    j_.KV("roleArn", role_arn_);
    j_.KV("roleSessionName", session_);
    j_.KUint("durationSeconds", rng_.Chance(700) ? 3600 : 43200);
    j_.EndObject();
    WriteResponse(Failed(), [&] {
      j_.BeginObject("credentials");
      KRandom("accessKeyId", "ASIA", kIamIdChars, 32, 16);
      KDisplayTime("expiration", now_ + 3600);
      j_.EndObject();
      j_.BeginObject("assumedRoleUser");
      j_.BeginRawString("assumedRoleId");
      line_ += AwsId("AROA", std::string(target_account) + std::string(role));
      line_.push_back(':');
      line_ += session_;
      j_.EndRawString();
      j_.BeginRawString("arn");
      line_ += "arn:aws:sts::";
      line_ += target_account;
      line_ += ":assumed-role/";
      line_ += role;
      line_.push_back('/');
      line_ += session_;
      j_.EndRawString();
      j_.EndObject();
    });
    Tail t{.host = CallerHost(*p, "sts", region),
           .recipient = p->account,
           .n_resources = 1,
           .resources = {{"AWS::IAM::Role", role_arn_, target_account}}};
    scratch2_.clear();
    if (target_account != p->account) {
      AppendUuid(scratch2_);
      t.shared_event_id = scratch2_;
    }
    WriteTail(t);
  }

  void AssumeRoleWithWebIdentity(Ev) {
    // The caller is a web identity, not a principal of the cast.
    const std::string_view region = Region();
    ip_ = "198.51.100.";
    AppendUint(ip_, rng_.Range(100, 140));
    static constexpr std::array<const char*, 3> kSubjects = {
        {"repo:acme/app:ref:refs/heads/main", "repo:acme/infra:environment:prod",
         "repo:acme/app:pull_request"}};
    const std::string_view subject = rng_.Pick(kSubjects);
    if (subject.find("pull_request") != std::string_view::npos && rng_.Chance(500)) {
      error_code_ = "AccessDenied";
      error_message_ = "Not authorized to perform sts:AssumeRoleWithWebIdentity";
    }
    j_.BeginObject();
    j_.KV("eventVersion", "1.08");
    j_.BeginObject("userIdentity");
    j_.KV("type", "WebIdentityUser");
    scratch_ = "token.actions.githubusercontent.com:sts.amazonaws.com:";
    scratch_ += subject;
    j_.KV("principalId", scratch_);
    j_.KV("userName", subject);
    j_.KV("identityProvider", "token.actions.githubusercontent.com");
    j_.EndObject();
    WriteEventBasics(region, kGoAgents[1]);
    j_.BeginObject("requestParameters");
    j_.KV("roleArn", "arn:aws:iam::210987654321:role/GitHubActionsDeploy");
    j_.KV("roleSessionName", "GitHubActions");
    j_.KUint("durationSeconds", 3600);
    j_.EndObject();
    WriteResponse(Failed(), [&] {
      j_.KV("subjectFromWebIdentityToken", subject);
      j_.KV("audience", "sts.amazonaws.com");
      j_.KV("provider", "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com");
    });
    j_.BeginObject("additionalEventData");
    j_.KV("identityProviderConnectionVerificationMethod", "IAMTrustStore");
    j_.EndObject();
    WriteTail({.host = RegionalHost("sts", region),
               .recipient = "210987654321",
               .n_resources = 1,
               .resources = {{"AWS::IAM::Role",
                              "arn:aws:iam::210987654321:role/GitHubActionsDeploy",
                              "210987654321"}}});
  }

  // ----- Console sign-in
  void ConsoleLogin(Ev) {
    const Principal& p = cast_[console_users_[rng_.Below(static_cast<uint32_t>(console_users_.size()))]];
    ChooseSourceIp(p);
    const bool failed = rng_.Chance(p.spec->suspicious ? 600 : 150);
    const bool unknown_user = failed && rng_.Chance(250);
    const bool mfa = p.spec->mfa && !failed;
    const std::string_view region = rng_.Chance(800) ? "us-east-1" : rng_.Pick(kRegions);
    j_.BeginObject();
    j_.KV("eventVersion", "1.09");
    if (!unknown_user && p.spec->kind == Kind::kAssumedRole) {
      WriteUserIdentity(p);
    } else {
      j_.BeginObject("userIdentity");
      if (unknown_user) {
        j_.KV("type", "IAMUser");
        j_.KV("accountId", p.account);
      } else {
        WriteIdentityHead(p);
      }
      j_.KV("accessKeyId", "");
      if (unknown_user) {
        j_.KV("userName", "HIDDEN_DUE_TO_SECURITY_REASONS");
      } else if (p.spec->kind == Kind::kIamUser) {
        j_.KV("userName", p.user_name);
      }
      j_.EndObject();
    }
    WriteEventBasics(region, rng_.Pick(kBrowserAgents));
    if (failed) j_.KV("errorMessage", "Failed authentication");
    j_.KNull("requestParameters");
    j_.BeginObject("responseElements");
    j_.KV("ConsoleLogin", failed ? "Failure" : "Success");
    j_.EndObject();
    j_.BeginObject("additionalEventData");
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
    WriteTail({.read_only = false,
               .event_type = "AwsConsoleSignIn",
               .host = "signin.aws.amazon.com",
               .recipient = p.account});
  }

  // ----- IAM
  void IamList(Ev ev) {
    const Principal& p = PickActor(false);
    Caller(p);
    MaybeDeny(p, 10, ev == Ev::kListRoles ? "iam:ListRoles" : "iam:ListUsers");
    WriteHead(p, "us-east-1");
    if (ev == Ev::kListAccessKeys) {
      j_.BeginObject("requestParameters");
      j_.KV("userName", rng_.Pick(kUserNames));
      j_.EndObject();
    } else if (rng_.Chance(500)) {
      j_.BeginObject("requestParameters");
      j_.KUint("maxItems", rng_.Chance(500) ? 100 : 1000);
      if (rng_.Chance(300)) j_.KV("pathPrefix", "/");
      j_.EndObject();
    } else {
      j_.KNull("requestParameters");
    }
    j_.KNull("responseElements");
    WriteTail(
        {.host = "iam.amazonaws.com", .recipient = p.account, .from_console = FromConsole(p)});
  }

  void IamWrite(Ev ev) {
    const Principal& p = PickActor(true);
    Caller(p);
    MaybeDeny(p, 50);
    const std::string_view role = rng_.Pick(kRoles);
    const std::string_view user = rng_.Pick(kUserNames);
    WriteHead(p, "us-east-1");
    j_.BeginObject("requestParameters");
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
        j_.KRaw("tags", rng_.Chance(500) ? "[]" : "[{\"key\":\"team\",\"value\":\"platform\"}]");
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
    // The calls that create something describe it in one object.
    const char* created = ev == Ev::kCreatePolicyVersion  ? "policyVersion"
                          : ev == Ev::kCreateAccessKey    ? "accessKey"
                          : ev == Ev::kCreateUser         ? "user"
                          : ev == Ev::kCreateLoginProfile ? "loginProfile"
                                                          : nullptr;
    WriteResponse(Failed() || created == nullptr, [&] {
      j_.BeginObject(created);
      switch (ev) {
        case Ev::kCreatePolicyVersion:
          scratch_ = "v";
          AppendUint(scratch_, rng_.Range(2, 5));
          j_.KV("versionId", scratch_);
          j_.KBool("isDefaultVersion", true);
          break;
        case Ev::kCreateAccessKey:
          KRandom("accessKeyId", "AKIA", kIamIdChars, 32, 16);
          j_.KV("status", "Active");
          j_.KV("userName", user);
          break;
        case Ev::kCreateUser:
          j_.KV("path", "/");
          j_.KV("userName", user);
          j_.KV("userId", AwsId("AIDA", p.account + std::string(user)));
          scratch_ = "arn:aws:iam::";
          scratch_ += p.account;
          scratch_ += ":user/";
          scratch_ += user;
          j_.KV("arn", scratch_);
          break;
        default:  // CreateLoginProfile
          j_.KV("userName", user);
          break;
      }
      KDisplayTime("createDate", now_);
      if (ev == Ev::kCreateLoginProfile) j_.KBool("passwordResetRequired", true);
      j_.EndObject();
    });
    WriteTail({.read_only = false,
               .host = "iam.amazonaws.com",
               .recipient = p.account,
               .from_console = FromConsole(p)});
  }

  // ----- CloudTrail / GuardDuty
  void CloudTrailRead(Ev ev) {
    const Principal& p = PickReader();
    const std::string_view region = Region();
    Caller(p);
    WriteHead(p, region);
    j_.BeginObject("requestParameters");
    if (ev == Ev::kDescribeTrails) {
      j_.KBool("includeShadowTrails", rng_.Chance(500));
    } else {
      scratch_ = "arn:aws:cloudtrail:us-east-1:";
      scratch_ += p.account.empty() ? kAccounts[0].id : p.account;
      scratch_ += ":trail/management-events";
      j_.KV("name", scratch_);
    }
    j_.EndObject();
    j_.KNull("responseElements");
    WriteTail({.host = CallerHost(p, "cloudtrail", region),
               .recipient = p.account.empty() ? kAccounts[0].id : p.account});
  }

  void CloudTrailWrite(Ev ev) {
    const Principal& p = PickActor(true);
    Caller(p);
    MaybeDeny(p, 80);
    trail_arn_ = "arn:aws:cloudtrail:us-east-1:";
    trail_arn_ += p.account;
    trail_arn_ += rng_.Chance(700) ? ":trail/management-events" : ":trail/org-trail";
    WriteHead(p, "us-east-1");
    j_.BeginObject("requestParameters");
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
        j_.BeginItem("eventSelectors");
        j_.KV("readWriteType", rng_.Chance(500) ? "All" : "WriteOnly");
        j_.KBool("includeManagementEvents", rng_.Chance(700));
        j_.KRaw("dataResources", "[]");
        j_.KRaw("excludeManagementEventSources", rng_.Chance(500) ? "[]" : "[\"kms.amazonaws.com\"]");
        j_.EndItem();
        break;
    }
    j_.EndObject();
    WriteResponse(Failed() || ev == Ev::kStopLogging || ev == Ev::kDeleteTrail,
                  [&] { j_.KV("trailARN", trail_arn_); });
    WriteTail({.read_only = false,
               .host = "cloudtrail.us-east-1.amazonaws.com",
               .recipient = p.account,
               .n_resources = 1,
               .resources = {{"AWS::CloudTrail::Trail", trail_arn_, p.account}}});
  }

  void DeleteDetector(Ev) {
    const Principal& p = PickActor(true);
    const std::string_view region = RegionalCall(p, false, 80);
    WriteHead(p, region);
    j_.BeginObject("requestParameters");
    scratch_.clear();
    AppendHex(scratch_, HashString(p.account) ^ HashString(region), 16);
    AppendHex(scratch_, HashString(region), 16);
    j_.KV("detectorId", scratch_);
    j_.EndObject();
    j_.KNull("responseElements");
    WriteTail(
        {.read_only = false, .host = RegionalHost("guardduty", region), .recipient = p.account});
  }

  // ----- Lambda
  void ListFunctions(Ev) {
    const Principal& p = PickActor(false);
    const std::string_view region = RegionalCall(p, true, 10, "lambda:ListFunctions");
    WriteHead(p, region);
    j_.KNull("requestParameters");
    j_.KNull("responseElements");
    WriteTail({.host = RegionalHost("lambda", region), .recipient = p.account});
  }

  void LambdaWrite(Ev ev) {
    const bool create = ev == Ev::kCreateFunction;
    const Principal& p = PickActor(true);
    const std::string_view region =
        RegionalCall(p, true, 30, create ? "lambda:CreateFunction" : "lambda:UpdateFunctionCode");
    static constexpr std::array<const char*, 4> kFunctions = {
        {"payroll-export", "thumbnailer", "slack-notifier", "cost-report"}};
    const std::string_view fn = rng_.Pick(kFunctions);
    scratch_ = "arn:aws:lambda:";
    scratch_ += region;
    scratch_ += ':';
    scratch_ += p.account;
    scratch_ += ":function:";
    scratch_ += fn;
    WriteHead(p, region);
    j_.BeginObject("requestParameters");
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
    WriteResponse(Failed(), [&] {
      j_.KV("functionName", fn);
      j_.KV("functionArn", scratch_);
      j_.KUint("codeSize", rng_.Range(500, 5000000));
      j_.BeginRawString("codeSha256");
      AppendRandomChars(line_, kBase64, 64, 43);
      line_.push_back('=');
      j_.EndRawString();
      j_.KV("version", "$LATEST");
      j_.KV("state", create ? "Pending" : "Active");
      j_.KV("lastUpdateStatus", create ? "Successful" : "InProgress");
    });
    WriteTail({.read_only = false, .host = RegionalHost("lambda", region), .recipient = p.account});
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
    AppendGuid(s, h >> 32, h >> 16, 0x4000 | (h & 0xfff), 0xa000 | ((h >> 52) & 0xfff), Mix64(h));
  }

  void KmsRead(Ev ev) {
    const Principal* p = nullptr;
    if (ev != Ev::kDescribeKey && rng_.Chance(500)) p = FindService("s3.amazonaws.com");
    if (p == nullptr) p = &PickActor(false);
    const std::string_view region = RegionalCall(*p, true, 10, "kms:Decrypt");
    const std::string_view account = p->account;
    AppendKeyArn(key_arn_, region, account, rng_.Below(3));
    WriteHead(*p, region);
    j_.BeginObject("requestParameters");
    if (ev == Ev::kDescribeKey) {
      j_.KV("keyId", rng_.Chance(500) ? std::string_view("alias/aws/s3") : key_arn_);
    } else {
      if (ev == Ev::kGenerateDataKey) {
        j_.KV("keyId", key_arn_);
        j_.KV("keySpec", "AES_256");
      }
      j_.KV("encryptionAlgorithm", "SYMMETRIC_DEFAULT");
      j_.BeginObject("encryptionContext");
      const Bucket& b = PickBucket();
      scratch_ = "arn:aws:s3:::";
      scratch_ += b.name;
      j_.KV("aws:s3:arn", scratch_);
      j_.EndObject();
    }
    j_.EndObject();
    j_.KNull("responseElements");
    WriteTail({.host = CallerHost(*p, "kms", region),
               .recipient = account,
               .n_resources = 1,
               .resources = {{"AWS::KMS::Key", key_arn_, account}}});
  }

  void KmsWrite(Ev ev) {
    const Principal& p = PickActor(true);
    const std::string_view region = RegionalCall(p, true, 60);
    const bool disable = ev == Ev::kDisableKey;
    AppendKeyArn(key_arn_, region, p.account, rng_.Below(3));
    WriteHead(p, region);
    const uint32_t days = rng_.Chance(500) ? 7 : 30;
    j_.BeginObject("requestParameters");
    j_.KV("keyId", key_arn_);
    if (!disable) j_.KUint("pendingWindowInDays", days);
    j_.EndObject();
    WriteResponse(disable || Failed(), [&] {
      j_.KV("keyId", key_arn_);
      KDisplayTime("deletionDate", now_ + static_cast<int64_t>(days) * 86400);
      j_.KV("keyState", "PendingDeletion");
      j_.KUint("pendingWindowInDays", days);
    });
    WriteTail({.read_only = false,
               .host = RegionalHost("kms", region),
               .recipient = p.account,
               .n_resources = 1,
               .resources = {{"AWS::KMS::Key", key_arn_, p.account}}});
  }

  // An AwsServiceEvent: KMS rotating a key on its own. Such records carry a
  // userIdentity without a type.
  void RotateKey(Ev) {
    const Account& acct = kAccounts[rng_.Below(4)];
    const std::string_view region = Region();
    AppendKeyArn(key_arn_, region, acct.id, rng_.Below(3));
    j_.BeginObject();
    j_.KV("eventVersion", "1.08");
    j_.BeginObject("userIdentity");
    j_.KV("accountId", acct.id);
    j_.KV("invokedBy", "kms.amazonaws.com");
    j_.EndObject();
    ip_ = "kms.amazonaws.com";
    WriteEventBasics(region, "kms.amazonaws.com");
    j_.KNull("requestParameters");
    j_.KNull("responseElements");
    j_.BeginObject("additionalEventData");
    j_.KV("keyId", key_arn_);
    j_.EndObject();
    WriteTail({.event_type = "AwsServiceEvent",
               .recipient = acct.id,
               .n_resources = 1,
               .resources = {{"AWS::KMS::Key", key_arn_, acct.id}}});
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
  Ev ev_ = Ev::kGetObject;  // the event being written
  std::string_view ua_;     // its caller's user agent

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

using G = Generator;
// The writer of each event, in the order of Ev.
constexpr std::array<G::Writer, 49> G::kWriters = {{
    &G::S3Data, &G::S3Data, &G::S3Data, &G::S3Data, &G::S3Data,  // GetObject … DeleteObject
    &G::ListBuckets, &G::S3BucketManagement, &G::Ec2Describe, &G::Ec2Describe,
    &G::GetCallerIdentity, &G::IamList, &G::IamList, &G::IamList, &G::CloudTrailRead,
    &G::CloudTrailRead, &G::ListFunctions, &G::KmsRead, &G::KmsRead, &G::KmsRead,
    &G::AssumeRole, &G::AssumeRoleWithWebIdentity, &G::ConsoleLogin, &G::RotateKey,
    &G::IamWrite, &G::IamWrite, &G::IamWrite, &G::IamWrite, &G::IamWrite,  // PutRolePolicy …
    &G::IamWrite, &G::IamWrite, &G::IamWrite, &G::IamWrite, &G::IamWrite,  // … DeleteRolePolicy
    &G::AuthorizeIngress, &G::RunInstances, &G::TerminateInstances, &G::CreateKeyPair,
    &G::CloudTrailWrite, &G::CloudTrailWrite, &G::CloudTrailWrite, &G::CloudTrailWrite,
    &G::DeleteDetector, &G::S3BucketManagement, &G::S3BucketManagement,
    &G::S3BucketManagement, &G::KmsWrite, &G::KmsWrite, &G::LambdaWrite, &G::LambdaWrite,
}};
static_assert(G::kWriters.back() != nullptr, "a writer for every Ev");

}  // namespace

void GenerateEvents(uint64_t count, uint64_t seed, FILE* out) {
  Generator gen(count, seed);
  for (uint64_t i = 0; i < count; ++i) gen.Emit(i, out);
}

}  // namespace trailhound

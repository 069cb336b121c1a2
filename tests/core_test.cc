// Unit tests for the core helpers the data-driven cases reach only
// indirectly: LIKE matching, timestamps, CIDRs, alert ids, JSON text, and the
// diagnostic format.
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>
#include <random>
#include <set>
#include <cstring>
#include <cmath>

#include <simdjson.h>

#include "core/alert.h"
#include "core/ip_address.h"
#include "core/json_text.h"
#include "core/like_pattern.h"
#include "core/record_view.h"
#include "core/sql_scalar.h"
#include "core/text_hash.h"
#include "core/timestamp.h"
#include "dsl/diagnostics.h"

namespace trailhound {
namespace {

TEST(LikeMatch, Wildcards) {
  EXPECT_TRUE(LikeMatch("GetObject", "Get%", std::nullopt, false));
  EXPECT_TRUE(LikeMatch("GetObject", "%Object", std::nullopt, false));
  EXPECT_TRUE(LikeMatch("GetObject", "%t%b%", std::nullopt, false));
  EXPECT_FALSE(LikeMatch("GetObject", "get%", std::nullopt, false));
  EXPECT_TRUE(LikeMatch("GetObject", "get%", std::nullopt, true));
  EXPECT_TRUE(LikeMatch("abc", "a_c", std::nullopt, false));
  EXPECT_FALSE(LikeMatch("abbc", "a_c", std::nullopt, false));
  EXPECT_TRUE(LikeMatch("", "%", std::nullopt, false));
  EXPECT_FALSE(LikeMatch("", "_", std::nullopt, false));
  EXPECT_TRUE(LikeMatch("a\xc3\xa9z", "a_z", std::nullopt, false));  // é is one character
  EXPECT_TRUE(LikeMatch("100%", "100!%", '!', false));
  EXPECT_FALSE(LikeMatch("1000", "100!%", '!', false));
  EXPECT_TRUE(LikeMatch("a_b", "a!_b", '!', false));
  EXPECT_FALSE(LikeMatch("axb", "a!_b", '!', false));
  EXPECT_TRUE(LikeMatch("aaaaaaaaaaaaaaaaaaaaab", "%a%a%a%a%b", std::nullopt, false));
}

TEST(ParseTimestamp, Forms) {
  absl::Time midnight = absl::FromCivil(absl::CivilSecond(2023, 10, 1, 0, 0, 0), absl::UTCTimeZone());
  EXPECT_EQ(ParseTimestamp("2023-10-01"), midnight);
  EXPECT_EQ(ParseTimestamp("2023-10-01T00:00:00Z"), midnight);
  EXPECT_EQ(ParseTimestamp("2023-10-01 00:00:00"), midnight);
  EXPECT_EQ(ParseTimestamp("2023-10-01T02:00:00+02:00"), midnight);
  EXPECT_EQ(ParseTimestamp("2023-09-30T19:00:00-0500"), midnight);
  EXPECT_EQ(ParseTimestamp("2023-10-01T00:00:00.250Z"), midnight + absl::Milliseconds(250));
  EXPECT_FALSE(ParseTimestamp("YYYY-MM-DD"));
  EXPECT_FALSE(ParseTimestamp("2023-02-30"));
  EXPECT_FALSE(ParseTimestamp("2023-10-01T25:00:00Z"));
  EXPECT_FALSE(ParseTimestamp("2023-10-01Tgarbage"));
  EXPECT_FALSE(ParseTimestamp("2023-10"));
}

TEST(ParseTimestamp, AgreesWithAbslCivilTimeOverFourCenturies) {
  for (int year = 1800; year <= 2200; year += 7) {
    for (int month = 1; month <= 12; ++month) {
      for (int day : {1, 15, 28, 29, 30, 31}) {
        absl::CivilDay civil(year, month, day);
        char text[40];
        std::snprintf(text, sizeof text, "%04d-%02d-%02dT13:45:07Z", year, month, day);
        bool real = civil.year() == year && civil.month() == month && civil.day() == day;
        std::optional<absl::Time> parsed = ParseTimestamp(text);
        ASSERT_EQ(parsed.has_value(), real) << text;
        if (real) {
          EXPECT_EQ(*parsed, absl::FromCivil(absl::CivilSecond(year, month, day, 13, 45, 7), absl::UTCTimeZone()))
              << text;
        }
      }
    }
  }
  EXPECT_TRUE(ParseTimestamp("2000-02-29"));
  EXPECT_FALSE(ParseTimestamp("1900-02-29"));
  EXPECT_FALSE(ParseTimestamp("2023-10-01T23:59:60Z"));  // as before: a leap second is not a time
}

TEST(Cidr, ContainsV4AndV6) {
  std::optional<CidrRange> office = ParseCidr("203.0.113.0/25");
  ASSERT_TRUE(office);
  EXPECT_TRUE(office->Contains(*ParseIpAddress("203.0.113.127")));
  EXPECT_FALSE(office->Contains(*ParseIpAddress("203.0.113.128")));
  std::optional<CidrRange> v6 = ParseCidr("2001:db8:100::/48");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->Contains(*ParseIpAddress("2001:db8:100:ffff::1")));
  EXPECT_FALSE(v6->Contains(*ParseIpAddress("2001:db8:101::1")));
  EXPECT_FALSE(v6->Contains(*ParseIpAddress("203.0.113.1")));
  EXPECT_TRUE(ParseCidr("10.1.2.3/8")->Contains(*ParseIpAddress("10.200.0.1")));  // host bits masked
  EXPECT_TRUE(ParseCidr("0.0.0.0/0")->Contains(*ParseIpAddress("8.8.8.8")));
  std::optional<CidrRange> single = ParseCidr("198.51.100.7");
  ASSERT_TRUE(single);
  EXPECT_TRUE(single->Contains(*ParseIpAddress("198.51.100.7")));
  EXPECT_FALSE(single->Contains(*ParseIpAddress("198.51.100.8")));
  EXPECT_FALSE(ParseCidr("10.0.0.0/33"));
  EXPECT_FALSE(ParseCidr("10.0.0.0/"));
  EXPECT_FALSE(ParseCidr("AWS Internal"));
  EXPECT_FALSE(ParseIpAddress("s3.amazonaws.com"));
}

TEST(AlertId, IsFnv1a128OfRuleNulEventId) {
  // Expected values from an independent Python FNV-1a 128 (offset basis
  // 0x6c62272e07bb014262b821756295c58d, prime 2^88 + 2^8 + 0x3b).
  auto id = [](std::string_view rule, std::string_view key) {
    std::string out = "an older, longer id whose room is reused";
    MakeAlertId(rule, key, out);
    return out;
  };
  EXPECT_EQ(id("console_login", "evt-1"), "03f504ef947cd8624d643c8378a04257");
  EXPECT_EQ(id("console_login", "evt-1"), id("console_login", "evt-1"));
  EXPECT_NE(id("console_login", "evt-1"), id("console_login", "evt-2"));
  EXPECT_NE(id("a", "bc"), id("ab", "c"));
}

TEST(FormatEventTime, SameAsAbslFormatTime) {
  absl::Time base = absl::FromCivil(absl::CivilSecond(2024, 2, 29, 23, 59, 59), absl::UTCTimeZone());
  for (absl::Duration offset : {absl::ZeroDuration(), absl::Seconds(1), absl::Milliseconds(5), absl::Nanoseconds(1),
                                absl::Microseconds(123450), absl::Hours(-24 * 365 * 60), absl::Hours(24 * 366)}) {
    absl::Time time = base + offset;
    EXPECT_EQ(FormatEventTime(time), absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone()));
  }
  EXPECT_EQ(FormatEventTime(base), "2024-02-29T23:59:59Z");
  EXPECT_EQ(FormatEventTime(base + absl::Milliseconds(250)), "2024-02-29T23:59:59.25Z");
}

TEST(JsonText, EscapesAndBase64) {
  std::string out;
  AppendJsonString(out, "a\"b\\c\n\x01");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));
  EXPECT_FALSE(IsValidUtf8("caf\xc3"));
  // RFC 4648 test vectors.
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

// The escaper reads 16 bytes at a time: every character that needs escaping,
// at every offset of strings around that width, must come back unchanged
// through a JSON parser.
TEST(JsonText, EscapedStringsParseBackToThemselvesAtEveryOffset) {
  const std::string specials[] = {"\"", "\\", "\n", "\t", std::string(1, '\0'), "\x1f", "\x7f", "\xc3\xa9"};
  simdjson::dom::parser parser;
  for (const std::string& special : specials) {
    for (size_t length = 0; length <= 40; ++length) {
      for (size_t at = 0; at <= length; ++at) {
        std::string text = std::string(at, 'a') + special + std::string(length - at, 'b');
        std::string json;
        AppendJsonString(json, text);
        std::string_view parsed;
        ASSERT_EQ(parser.parse(json).get_string().get(parsed), simdjson::SUCCESS) << json;
        ASSERT_EQ(parsed, text) << json;
      }
    }
  }
}

// Keys of every length up to 40 bytes, and for each one a key differing in
// one byte at every position: each finds its own child, the near misses none.
// (The lookup reads a key's first and last 8 bytes separately.)
TEST(KeyTable, FindsEveryLengthAndTellsKeysApartByEveryByte) {
  KeyTable table;
  std::vector<std::string> keys;
  for (size_t length = 0; length <= 40; ++length) {
    std::string key;
    for (size_t i = 0; i < length; ++i) key += static_cast<char>('a' + (i * 7 + length) % 26);
    keys.push_back(key);
    table.Insert(key, static_cast<int32_t>(length));
  }
  for (size_t length = 0; length < keys.size(); ++length) {
    // Found through a view into a longer buffer, as the walk's keys are.
    std::string buffer = keys[length] + "\":0}                ";
    EXPECT_EQ(table.Find(std::string_view(buffer.data(), length)), static_cast<int32_t>(length)) << keys[length];
    for (size_t at = 0; at < length; ++at) {
      std::string near = buffer;
      near[at] = static_cast<char>(near[at] ^ 0x20);
      EXPECT_EQ(table.Find(std::string_view(near.data(), length)), -1) << near.substr(0, length);
    }
  }
  EXPECT_EQ(table.Find("not a key"), -1);
  EXPECT_EQ(KeyTable().Find("anything"), -1);
}

// Every byte of a text feeds its hash: texts of every length 0–80 and every
// one-byte change of each hash differently, whatever bytes lie around the
// view. (A collision is possible in principle; among these few thousand
// texts, a 64-bit hash that ignored no byte has none.)
TEST(TextHash, EveryByteOfEveryLengthCounts) {
  std::set<size_t> seen;
  size_t texts = 0;
  for (size_t length = 0; length <= 80; ++length) {
    std::string text;
    for (size_t i = 0; i < length; ++i) text += static_cast<char>('a' + (i * 7 + length) % 26);
    std::string buffer = "xxxxxxxx" + text + "yyyyyyyyyyyyyyyy";
    size_t hash = TextHash()(std::string_view(buffer.data() + 8, length));
    EXPECT_EQ(hash, TextHash()(text)) << "depends on bytes outside the view: " << text;
    seen.insert(hash);
    ++texts;
    for (size_t at = 0; at < length; ++at) {
      for (char flip : {'\x01', '\x80'}) {
        std::string near = text;
        near[at] = static_cast<char>(near[at] ^ flip);
        seen.insert(TextHash()(near));
        ++texts;
      }
    }
  }
  EXPECT_EQ(seen.size(), texts);
  TextIndex index;
  index["cloudtrail.amazonaws.com"].push_back(7);
  EXPECT_EQ(index.find(std::string_view("cloudtrail.amazonaws.com"))->second, std::vector<uint32_t>{7});
  EXPECT_EQ(index.find(std::string_view("cloudtrail.amazonaws.con")), index.end());
}

// Every double's text reads back (simdjson DOM, as alert consumers would) as
// a number equal to it — including those whose shortest form looks like an
// integer beyond 64 bits (found by the record fuzzer in a SELECTed value).
TEST(DoubleText, ReadsBackAsTheSameNumberThroughSimdjson) {
  std::vector<double> numbers = {0.0, -0.0, 1.5, -7.25, 1e300, -1e-300, 5e-324, 1e19, 1e20,
                                 18446744073709551616.0, 18446744073709551615.0, 18446744073709549568.0,
                                 -9223372036854775808.0, -9223372036854777856.0, 9223372036854775807.0,
                                 123456789012345678901234.0, 4503599627370496.5};
  std::mt19937_64 random(7);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = random();
    double number;
    std::memcpy(&number, &bits, sizeof(number));
    if (std::isfinite(number)) numbers.push_back(number);
    numbers.push_back(std::ldexp(static_cast<double>(random() >> 11), static_cast<int>(random() % 20) + 40) *
                      (i % 2 ? -1 : 1));  // integral doubles around the 64-bit limits
  }
  simdjson::dom::parser parser;
  for (double number : numbers) {
    char buffer[kNumberTextBytes];
    std::string json(DoubleText(number, buffer));
    simdjson::dom::element element;
    ASSERT_EQ(parser.parse(json).get(element), simdjson::SUCCESS) << json;
    double back = 0;
    if (element.is_double()) {
      back = element.get_double().value_unsafe();
    } else if (element.is_int64()) {
      back = static_cast<double>(element.get_int64().value_unsafe());
    } else {
      ASSERT_TRUE(element.is_uint64()) << json;
      back = static_cast<double>(element.get_uint64().value_unsafe());
    }
    EXPECT_EQ(back, number) << json;
  }
  char buffer[kNumberTextBytes];
  EXPECT_EQ(DoubleText(18446744073709551616.0, buffer), "1.8446744073709552e+19");
  EXPECT_EQ(DoubleText(1.5, buffer), "1.5");
  EXPECT_EQ(DoubleText(1e300, buffer), "1e+300");
}

TEST(Diagnostics, FormatHasLocationCaretCodeAndHint) {
  SourceFile file{"rules/a.sql", "SELECT *\nFROM t WHERE eventNmae = 'x';\n"};
  Diagnostics diagnostics;
  diagnostics.Warning("TH2001", SourceLocation{&file, 2, 14, 9}, "unknown field 'eventNmae'",
                      "did you mean 'eventName'?");
  ASSERT_EQ(diagnostics.items().size(), 1u);
  EXPECT_EQ(FormatDiagnostic(diagnostics.items()[0]),
            "rules/a.sql:2:14: warning TH2001: unknown field 'eventNmae'\n"
            "    FROM t WHERE eventNmae = 'x';\n"
            "                 ^~~~~~~~~\n"
            "  hint: did you mean 'eventName'?\n");
  EXPECT_FALSE(diagnostics.has_errors());
  EXPECT_EQ(ClosestMatch("eventNmae", {"eventName", "eventSource"}), "eventName");
  EXPECT_EQ(ClosestMatch("zzzzzz", {"eventName"}), "");
}

}  // namespace
}  // namespace trailhound

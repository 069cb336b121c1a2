// The framings of Kinesis-fed files: Kinesis Data Firehose output
// (concatenated JSON objects), CloudWatch Logs subscription envelopes and
// EventBridge events, each detected per stream. The samples are written by
// hand after what AWS delivers; every expected offset and line is counted
// from the sample text (lengths noted next to each sample).
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "connectors/json_framing.h"
#include "connectors/record_source.h"
#include "gtest/gtest.h"
#include "tests/connectors/source_test_util.h"

namespace trailhound {
namespace {

using Where = std::tuple<std::string, uint64_t, uint64_t, uint64_t>;  // file, record, offset, line

Where WhereOf(const Letter& l) {
  return Where(l.file, l.record_index, l.byte_offset, l.line);
}

// --- Kinesis Data Firehose: concatenated objects ---

// 403 bytes. Braces, brackets and escaped quotes inside strings, and a string
// ending in an escaped backslash.
const std::string kR1 =
    R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice"},"eventTime":"2023-10-01T08:15:02Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.10","userAgent":"aws-cli/2.13.0 {\"}\":[\"{\"]}","requestParameters":{"userName":"bob","path":"C:\\"},"eventID":"11111111-1111-4111-8111-111111111111"})";
// 329 bytes.
const std::string kR2 =
    R"({"eventVersion":"1.08","eventTime":"2023-10-01T08:15:07Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","requestParameters":{"bucketName":"payroll","key":"2023/10/salaries.csv"},"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::payroll/2023/10/salaries.csv"}],"eventID":"22222222-2222-4222-8222-222222222222"})";
// 258 bytes.
const std::string kR3 =
    R"({"eventVersion":"1.08","eventTime":"2023-10-01T08:16:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","requestParameters":{"name":"arn:aws:cloudtrail:us-east-1:123456789012:trail/main"},"eventID":"33333333-3333-4333-8333-333333333333"})";

TEST_F(SourceTest, FirehoseObjectsConcatenatedWithoutNewlines) {
  ASSERT_EQ(kR1.size(), 403u);
  ASSERT_EQ(kR2.size(), 329u);
  std::string f = Write("firehose-1-2023-10-01-08-15-00-abc", kR1 + kR2 + kR3);
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{kR1, f, 0, 0, 1},
                                            {kR2, f, 1, 403, 1},
                                            {kR3, f, 2, 403 + 329, 1}}));
  EXPECT_TRUE(sink_.letters.empty());
}

TEST_F(SourceTest, FirehoseGzipMembersSplitInsideAnObject) {
  std::string text = kR1 + kR2 + kR3;
  std::string f = Write("firehose.gz", Gzip(text.substr(0, 500)) + Gzip(text.substr(500)));
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{kR1, f, 0, 0, 1},
                                            {kR2, f, 1, 403, 1},
                                            {kR3, f, 2, 732, 1}}));
  EXPECT_TRUE(sink_.letters.empty());
}

TEST_F(SourceTest, FirehosePrettyPrintedObjectsAndNewlines) {
  // A pretty-printed first object (110 bytes, lines 1-5) makes the stream
  // concatenated objects: objects are yielded byte for byte wherever they
  // start, two on line 6 (at 111 and 111 + 25 + 2 spaces), one on line 8
  // after "\r\n\n" (138 + 25 + 3).
  std::string pretty =
      "{\n  \"eventVersion\": \"1.08\",\n  \"eventName\": \"ConsoleLogin\",\n"
      "  \"responseElements\": {\"ConsoleLogin\": \"Success\"}\n}";
  std::string last = "{\n \"eventName\": \"DeleteTrail\"\n}";
  ASSERT_EQ(pretty.size(), 110u);
  std::string f = Write("pretty.json", pretty + "\n{\"eventName\":\"GetObject\"}  "
                                                "{\"eventName\":\"PutObject\"}\r\n\n" +
                                           last + "\n");
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{pretty, f, 0, 0, 1},
                                            {"{\"eventName\":\"GetObject\"}", f, 1, 111, 6},
                                            {"{\"eventName\":\"PutObject\"}", f, 2, 138, 6},
                                            {last, f, 3, 166, 8}}));
  EXPECT_TRUE(sink_.letters.empty());
}

TEST_F(SourceTest, FirehoseDetectedByASecondObjectOnTheFirstLine) {
  std::string f = Write("f.json", "{\"a\":1} {\"b\":2}\n{\"c\":3}{\"d\":4}");
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{"{\"a\":1}", f, 0, 0, 1},
                                            {"{\"b\":2}", f, 1, 8, 1},
                                            {"{\"c\":3}", f, 2, 16, 2},
                                            {"{\"d\":4}", f, 3, 23, 2}}));
  EXPECT_TRUE(sink_.letters.empty());
}

TEST_F(SourceTest, SingleLineFirstObjectKeepsNdjsonForTheWholeStream) {
  // Framing is decided once per stream: after a one-line first object ending
  // its line, a later line holding two objects is one (bad) NDJSON record.
  std::string f = Write("n.ndjson", "{\"a\":1}\n{\"b\":2}{\"c\":3}\nnot json\n{\"d\":4}");
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{"{\"a\":1}", f, 0, 0, 1},
                                            {"{\"b\":2}{\"c\":3}", f, 1, 8, 2},
                                            {"not json", f, 2, 23, 3},
                                            {"{\"d\":4}", f, 3, 32, 4}}));
  EXPECT_TRUE(sink_.letters.empty());
}

TEST_F(SourceTest, FirehoseOversizedObjectsStrayBytesAndACutOffObject) {
  const std::string a = "{\"eventName\":\"A\"}";  // 17 bytes at 0, line 1
  // At 17, 600027 bytes, lines 1-2: over the limit and over two read chunks;
  // its string is full of braces and escaped quotes.
  std::string pad;
  for (int i = 0; i < 120000; ++i) pad += "x}{\\\"";
  const std::string b = "{\"eventName\":\"B\",\n\"pad\":\"" + pad + "\"}";
  const std::string c = "{\"eventName\":\"C\"}";  // at 17 + 600027 = 600044, line 2
  // At 600061, 56 bytes: over the limit but whole in the buffer.
  const std::string big = "{\"eventName\":\"F\",\"pad\":\"" + std::string(30, 'y') + "\"}";
  // "garbage ]" at 600117 + 2, line 2; then {"eventName":"D"} at 600119 + 12
  // = 600131, line 3; then an object cut off by the end, at 600148.
  const std::string d = "{\"eventName\":\"D\"}";
  const std::string e = "{\"eventName\":\"E\"";
  ASSERT_EQ(b.size(), 600027u);
  ASSERT_EQ(big.size(), 56u);
  std::string f = Write("big.json", a + b + c + big + "  garbage ] \n " + d + e);
  SourceOptions options;
  options.max_record_bytes = 40;
  EXPECT_EQ(ReadAll({f}, options), (std::vector<Rec>{{a, f, 0, 0, 1},
                                                     {c, f, 2, 600044, 2},
                                                     {d, f, 5, 600131, 3}}));
  ASSERT_EQ(sink_.letters.size(), 4u);
  const Letter& l0 = sink_.letters[0];
  EXPECT_EQ(l0.reason, "too_large");
  EXPECT_EQ(l0.detail, "record of 600027 bytes exceeds --max-record-bytes 40");
  EXPECT_EQ(WhereOf(l0), Where(f, 1, 17, 1));
  EXPECT_EQ(l0.raw, b.substr(0, 4096));
  EXPECT_TRUE(l0.raw_truncated);
  const Letter& l1 = sink_.letters[1];
  EXPECT_EQ(l1.reason, "too_large");
  EXPECT_EQ(l1.detail, "record of 56 bytes exceeds --max-record-bytes 40");
  EXPECT_EQ(WhereOf(l1), Where(f, 3, 600061, 2));
  EXPECT_EQ(l1.raw, big);
  EXPECT_FALSE(l1.raw_truncated);
  const Letter& l2 = sink_.letters[2];
  EXPECT_EQ(l2.reason, "invalid_json");
  EXPECT_EQ(l2.detail, "9 bytes outside any JSON object in a stream of concatenated objects");
  EXPECT_EQ(WhereOf(l2), Where(f, 4, 600119, 2));
  EXPECT_EQ(l2.raw, "garbage ]");
  EXPECT_FALSE(l2.raw_truncated);
  const Letter& l3 = sink_.letters[3];
  EXPECT_EQ(l3.reason, "invalid_json");
  EXPECT_EQ(l3.detail, "JSON object cut off by the end of the input");
  EXPECT_EQ(WhereOf(l3), Where(f, 6, 600148, 3));
  EXPECT_EQ(l3.raw, e);
}

TEST_F(SourceTest, OversizedObjectCutOffByTheEndIsOneLetter) {
  std::string f = Write("o.json", "{\"a\":1}{\"b\":\"" + std::string(700000, 'z'));
  SourceOptions options;
  options.max_record_bytes = 100;
  EXPECT_EQ(ReadAll({f}, options), (std::vector<Rec>{{"{\"a\":1}", f, 0, 0, 1}}));
  ASSERT_EQ(sink_.letters.size(), 1u);
  EXPECT_EQ(sink_.letters[0].reason, "too_large");
  EXPECT_EQ(sink_.letters[0].detail, "record of 700006 bytes exceeds --max-record-bytes 100");
  EXPECT_EQ(WhereOf(sink_.letters[0]), Where(f, 1, 7, 1));
}

TEST_F(SourceTest, MultiLineFirstObjectCutOffByTheEnd) {
  std::string f = Write("cut.json", "\n{\n\"eventName\":");
  EXPECT_TRUE(ReadAll({f}).empty());
  ASSERT_EQ(sink_.letters.size(), 1u);
  EXPECT_EQ(sink_.letters[0].reason, "invalid_json");
  EXPECT_EQ(WhereOf(sink_.letters[0]), Where(f, 0, 1, 2));
  EXPECT_EQ(sink_.letters[0].raw, "{\n\"eventName\":");
}

TEST_F(SourceTest, FirehoseCorruptGzipAfterCompleteObjects) {
  std::string gz = Gzip("{\"a\":1}{\"b\":2}{\"c\":");
  gz[gz.size() - 8] ^= 0xff;  // CRC-32 of the trailer
  std::string f = Write("bad.gz", gz);
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{"{\"a\":1}", f, 0, 0, 1},
                                            {"{\"b\":2}", f, 1, 7, 1}}));
  ASSERT_EQ(sink_.letters.size(), 1u);
  EXPECT_EQ(sink_.letters[0].reason, "unreadable_input");
  EXPECT_EQ(sink_.letters[0].detail, "incorrect data check");
  EXPECT_EQ(WhereOf(sink_.letters[0]), Where(f, 2, 14, 1));
  EXPECT_EQ(sink_.letters[0].raw, "{\"c\":");
}

TEST_F(SourceTest, RecordsKeyAnywhereAtTheTopOfTheFirstObjectIsADocument) {
  std::string f = Write("d.json", "{\"x\":1,\n\"Records\":[{\"a\":1},{\"b\":2}]}");
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{"{\"a\":1}", f, 0, 0, 0},
                                            {"{\"b\":2}", f, 1, 0, 0}}));
  EXPECT_TRUE(sink_.letters.empty());
}

// --- CloudWatch Logs subscription envelopes ---

// 236 bytes: the control message CloudWatch Logs sends when a subscription is created.
const std::string kControl =
    R"({"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1696148100000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]})";
// 963 bytes: two CloudTrail records, as JSON strings (escaped slash, quotes, \u00e9).
const std::string kData1 =
    R"({"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"aws-cloudtrail-logs-123456789012","logStream":"123456789012_CloudTrail_us-east-1","subscriptionFilters":["cloudtrail-to-firehose"],"logEvents":[{"id":"37801458475698127823412958746352895643851948738274541568","timestamp":1696148102000,"message":"{\"eventVersion\":\"1.08\",\"eventTime\":\"2023-10-01T08:15:02Z\",\"eventSource\":\"signin.amazonaws.com\",\"eventName\":\"ConsoleLogin\",\"sourceIPAddress\":\"192.0.2.10\",\"userAgent\":\"Mozilla\\/5.0 \\\"Firefox\\\"\",\"additionalEventData\":{\"MFAUsed\":\"No\"},\"responseElements\":{\"ConsoleLogin\":\"Success\"},\"eventID\":\"44444444-4444-4444-8444-444444444444\"}"},{"id":"37801458475698127823412958746352895643851948738274541569","timestamp":1696148103000,"message":"{\"eventVersion\":\"1.08\",\"eventName\":\"PutBucketPolicy\",\"requestParameters\":{\"bucketName\":\"caf\u00e9-logs\"},\"eventID\":\"55555555-5555-4555-8555-555555555555\"}"}]})";
const std::string kData2 =
    R"({"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"aws-cloudtrail-logs-123456789012","logStream":"123456789012_CloudTrail_eu-west-1","subscriptionFilters":["cloudtrail-to-firehose"],"logEvents":[{"id":"37801458475698127823412958746352895643851948738274541570","timestamp":1696148104000,"message":"{\"eventVersion\":\"1.08\",\"eventName\":\"DeleteTrail\",\"awsRegion\":\"eu-west-1\",\"eventID\":\"66666666-6666-4666-8666-666666666666\"}"}]})";

TEST_F(SourceTest, CloudWatchLogsEnvelopesInGzipMembers) {
  ASSERT_EQ(kControl.size(), 236u);
  ASSERT_EQ(kData1.size(), 963u);
  // One gzip member per envelope, as Firehose writes a CloudWatch Logs
  // subscription to S3; the messages come out unescaped.
  std::string f = Write("cwl-to-firehose-1-2023-10-01-08-15-00-xyz",
                        Gzip(kControl) + Gzip(kData1) + Gzip(kData2));
  const std::string login =
      R"({"eventVersion":"1.08","eventTime":"2023-10-01T08:15:02Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","sourceIPAddress":"192.0.2.10","userAgent":"Mozilla\/5.0 \"Firefox\"","additionalEventData":{"MFAUsed":"No"},"responseElements":{"ConsoleLogin":"Success"},"eventID":"44444444-4444-4444-8444-444444444444"})";
  const std::string policy =
      "{\"eventVersion\":\"1.08\",\"eventName\":\"PutBucketPolicy\",\"requestParameters\":"
      "{\"bucketName\":\"caf\xc3\xa9-logs\"},\"eventID\":\"55555555-5555-4555-8555-555555555555\"}";
  const std::string trail =
      R"({"eventVersion":"1.08","eventName":"DeleteTrail","awsRegion":"eu-west-1","eventID":"66666666-6666-4666-8666-666666666666"})";
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{login, f, 0, 236, 0},
                                            {policy, f, 1, 236, 0},
                                            {trail, f, 2, 236 + 963, 0}}));
  EXPECT_TRUE(sink_.letters.empty());
}

TEST_F(SourceTest, CloudWatchLogsBadEnvelopesAndEvents) {
  // Offsets: 0, 198, 269, "oops" at 318, 323, 372, 426, 458.
  std::string text =
      R"({"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1696148102000,"message":"{\"eventName\":\"A\"}"}]})"
      "\n"
      R"({"messageType":"DATA_MESSAGE","logEvents":[{"id":"2","message":"x"},]})"
      "\n"
      R"({"messageType":"CONTROL_MESSAGE","logEvents":[]})"
      "\noops\n"
      R"({"messageType":"DATA_MESSAGE_V2","logEvents":[]})"
      "\n"
      R"({"messageType":"DATA_MESSAGE","logEvents":{"id":"3"}})"
      "\n"
      R"({"logGroup":"g","logEvents":[]})"
      "\n"
      R"({"messageType":"DATA_MESSAGE","logEvents":[{"id":"4","timestamp":1,"message":42},{"id":"5","timestamp":2,"message":"{\"eventName\":\"TooLongForTheLimit\",\"pad\":\"xxxxxxxx\"}"},{"id":"6","timestamp":3,"message":"{\"eventName\":\"B\"}"}]})"
      "\n";
  std::string f = Write("cwl.json", text);
  SourceOptions options;
  options.max_record_bytes = 30;
  EXPECT_EQ(ReadAll({f}, options), (std::vector<Rec>{{"{\"eventName\":\"A\"}", f, 0, 0, 0},
                                                     {"{\"eventName\":\"B\"}", f, 3, 458, 0}}));
  ASSERT_EQ(sink_.letters.size(), 7u);
  std::vector<std::tuple<std::string, std::string, Where>> got;
  for (const Letter& l : sink_.letters) got.emplace_back(l.reason, l.detail, WhereOf(l));
  using L = std::tuple<std::string, std::string, Where>;
  EXPECT_EQ(got[0], L("invalid_document",
                      "CloudWatch Logs envelope: The JSON document has an improper structure: "
                      "missing or superfluous commas, braces, missing keys, etc.",
                      Where(f, 1, 198, 0)));
  EXPECT_EQ(got[1], L("invalid_document",
                      "4 bytes outside any JSON object in a stream of concatenated objects",
                      Where(f, 1, 318, 0)));
  EXPECT_EQ(got[2], L("invalid_document",
                      "CloudWatch Logs envelope of unknown messageType \"DATA_MESSAGE_V2\"",
                      Where(f, 1, 323, 0)));
  EXPECT_EQ(got[3], L("invalid_document",
                      "CloudWatch Logs envelope whose \"logEvents\" is not an array",
                      Where(f, 1, 372, 0)));
  EXPECT_EQ(got[4], L("invalid_document",
                      "CloudWatch Logs envelope without a string \"messageType\"",
                      Where(f, 1, 426, 0)));
  EXPECT_EQ(got[5], L("invalid_document",
                      "CloudWatch Logs log event without a string \"message\"",
                      Where(f, 1, 458, 0)));
  EXPECT_EQ(sink_.letters[5].raw, "{\"id\":\"4\",\"timestamp\":1,\"message\":42}");
  EXPECT_EQ(got[6], L("too_large", "record of 51 bytes exceeds --max-record-bytes 30",
                      Where(f, 2, 458, 0)));
  EXPECT_EQ(sink_.letters[6].raw, "{\"eventName\":\"TooLongForTheLimit\",\"pad\":\"xxxxxxxx\"}");
  EXPECT_EQ(sink_.letters[0].raw,
            R"({"messageType":"DATA_MESSAGE","logEvents":[{"id":"2","message":"x"},]})");
}

TEST_F(SourceTest, CloudWatchLogsEnvelopesMayExceedTheRecordLimit) {
  // The limit holds for each message, not for the envelope around them.
  std::string envelope = R"({"messageType":"DATA_MESSAGE","logEvents":[)";
  for (int i = 0; i < 50; ++i) {
    if (i > 0) envelope += ",";
    envelope += R"({"id":"1","timestamp":1,"message":"{\"eventName\":\"E)" + std::to_string(i) +
                R"(\"}"})";
  }
  envelope += "]}";
  std::string f = Write("cwl.json", envelope);
  SourceOptions options;
  options.max_record_bytes = 30;
  std::vector<Rec> records = ReadAll({f}, options);
  ASSERT_EQ(records.size(), 50u);
  EXPECT_EQ(records[49], Rec("{\"eventName\":\"E49\"}", f, 49, 0, 0));
  EXPECT_TRUE(sink_.letters.empty());
}

// --- EventBridge events ---

TEST_F(SourceTest, EventBridgeEventsOnePerLine) {
  // Offsets and lines: 0/1, 593/3, 1044/4, 1402/5, 1521/6, 1607/7, 1678/8.
  std::string api_call =
      R"({"version":"0","id":"6f87d04b-9f74-4f04-a780-7acf4b0a9b38","detail-type":"AWS API Call via CloudTrail","source":"aws.iam","account":"123456789012","time":"2023-10-01T08:15:02Z","region":"us-east-1","resources":[],"detail":{"eventVersion": "1.08", "userIdentity": {"type": "IAMUser", "userName": "alice"}, "eventTime": "2023-10-01T08:15:02Z", "eventSource": "iam.amazonaws.com", "eventName": "AttachUserPolicy", "requestParameters": {"userName": "bob", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}, "eventID": "77777777-7777-4777-8777-777777777777", "eventType": "AwsApiCall"}})";
  std::string sign_in =
      R"({"version":"0","id":"0c5a5b52-2a1f-4b9c-9a6e-2b8f0c7a1d11","detail-type":"AWS Console Sign In via CloudTrail","source":"aws.signin","account":"123456789012","time":"2023-10-01T08:20:00Z","region":"us-east-1","resources":[],"detail":{"eventVersion":"1.08","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","sourceIPAddress":"198.51.100.23","responseElements":{"ConsoleLogin":"Failure"},"eventID":"88888888-8888-4888-8888-888888888888"}})";
  std::string ec2 =
      R"({"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2023-10-01T08:21:00Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0"],"detail":{"instance-id":"i-1234567890abcdef0","state":"terminated"}})";
  std::string string_detail =
      R"({"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","detail":"{\"eventName\":\"GetObject\"}"})";
  std::string broken =
      R"({"version":"0","detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"X"})";
  std::string no_type = R"({"version":"0","source":"aws.iam","detail":{"eventName":"CreateUser"}})";
  // Numbers are kept as written (a 30-digit integer, 1.50); only whitespace
  // outside strings goes.
  std::string numbers =
      R"({"version":"0","id":"1d1e0c6a-0d4c-4c2b-8a67-3b1c5e1f9a10","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","account":"123456789012","time":"2023-10-01T08:22:00Z","region":"us-east-1","resources":[],"detail":{ "eventName" : "RunInstances", "requestParameters" : { "maxCount" : 123456789012345678901234567890, "spotPrice" : 1.50, "note" : "two  spaces { }" } }})";
  std::string f = Write("eventbridge.ndjson", api_call + "\n\n" + sign_in + "\r\n" + ec2 + "\n" +
                                                  string_detail + "\n" + broken + "\n" +
                                                  no_type + "\n" + numbers);
  EXPECT_EQ(
      ReadAll({f}),
      (std::vector<Rec>{
          {R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","userName":"alice"},"eventTime":"2023-10-01T08:15:02Z","eventSource":"iam.amazonaws.com","eventName":"AttachUserPolicy","requestParameters":{"userName":"bob","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"},"eventID":"77777777-7777-4777-8777-777777777777","eventType":"AwsApiCall"})",
           f, 0, 0, 1},
          {R"({"eventVersion":"1.08","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","sourceIPAddress":"198.51.100.23","responseElements":{"ConsoleLogin":"Failure"},"eventID":"88888888-8888-4888-8888-888888888888"})",
           f, 1, 593, 3},
          {R"({"eventName":"RunInstances","requestParameters":{"maxCount":123456789012345678901234567890,"spotPrice":1.50,"note":"two  spaces { }"}})",
           f, 6, 1678, 8}}));
  ASSERT_EQ(sink_.letters.size(), 4u);
  const Letter& l0 = sink_.letters[0];
  EXPECT_EQ(l0.reason, "not_cloudtrail");
  EXPECT_EQ(l0.detail,
            "EventBridge event of detail-type \"EC2 Instance State-change Notification\" does "
            "not carry a CloudTrail record (the detail-type does not end in \"via CloudTrail\")");
  EXPECT_EQ(WhereOf(l0), Where(f, 2, 1044, 4));
  EXPECT_EQ(l0.raw, ec2);
  EXPECT_EQ(sink_.letters[1].reason, "invalid_document");
  EXPECT_EQ(sink_.letters[1].detail, "EventBridge event without a \"detail\" object");
  EXPECT_EQ(WhereOf(sink_.letters[1]), Where(f, 3, 1402, 5));
  EXPECT_EQ(sink_.letters[2].reason, "invalid_json");
  EXPECT_EQ(sink_.letters[2].detail,
            "EventBridge event: The JSON document has an improper structure: missing or "
            "superfluous commas, braces, missing keys, etc.");
  EXPECT_EQ(WhereOf(sink_.letters[2]), Where(f, 4, 1521, 6));
  EXPECT_EQ(sink_.letters[2].raw, broken);
  EXPECT_EQ(sink_.letters[3].reason, "invalid_document");
  EXPECT_EQ(sink_.letters[3].detail, "EventBridge event without a string \"detail-type\"");
  EXPECT_EQ(WhereOf(sink_.letters[3]), Where(f, 5, 1607, 7));
}

TEST_F(SourceTest, EventBridgeEventsPrettyPrintedAndConcatenated) {
  // 194 bytes over lines 1-10; the next two events start at 195 and
  // 195 + 162 = 357, both on line 11.
  std::string pretty =
      "{\n  \"version\": \"0\",\n  \"id\": \"a1\",\n  \"detail-type\": \"AWS API Call via "
      "CloudTrail\",\n  \"source\": \"aws.sts\",\n  \"detail\": {\n    \"eventSource\": "
      "\"sts.amazonaws.com\",\n    \"eventName\": \"AssumeRole\"\n  }\n}";
  std::string service =
      R"({"version":"0","id":"a2","detail-type":"AWS Service Event via CloudTrail","source":"aws.kms","detail":{"eventSource":"kms.amazonaws.com","eventName":"RotateKey"}})";
  std::string scheduled =
      R"({"version":"0","id":"a3","detail-type":"Scheduled Event","source":"aws.events","detail":{}})";
  ASSERT_EQ(pretty.size(), 194u);
  ASSERT_EQ(service.size(), 162u);
  std::string f = Write("eb.json", pretty + "\n" + service + scheduled);
  EXPECT_EQ(ReadAll({f}),
            (std::vector<Rec>{
                {R"({"eventSource":"sts.amazonaws.com","eventName":"AssumeRole"})", f, 0, 0, 1},
                {R"({"eventSource":"kms.amazonaws.com","eventName":"RotateKey"})", f, 1, 195,
                 11}}));
  ASSERT_EQ(sink_.letters.size(), 1u);
  EXPECT_EQ(sink_.letters[0].reason, "not_cloudtrail");
  EXPECT_EQ(WhereOf(sink_.letters[0]), Where(f, 2, 357, 11));
  EXPECT_EQ(sink_.letters[0].raw, scheduled);
}

TEST_F(SourceTest, EventBridgeSizeLimits) {
  // The record (the minified detail, 61 bytes) is held to --max-record-bytes;
  // the event may be 64 KiB larger. Offsets: 0, 117, 117 + 70089 + 1.
  std::string over_detail =
      R"({"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"GetObject","requestParameters":{"key":"a/b/c"}}})";
  std::string over_event = R"({"detail-type":"AWS API Call via CloudTrail","resources":[")" +
                           std::string(70000, 'r') + R"("],"detail":{"eventName":"X"}})";
  std::string fits = R"({"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"Small"}})";
  ASSERT_EQ(over_event.size(), 70089u);
  std::string f = Write("eb.ndjson", over_detail + "\n" + over_event + "\n" + fits + "\n");
  SourceOptions options;
  options.max_record_bytes = 50;
  EXPECT_EQ(ReadAll({f}, options), (std::vector<Rec>{{"{\"eventName\":\"Small\"}", f, 2, 70207, 3}}));
  ASSERT_EQ(sink_.letters.size(), 2u);
  EXPECT_EQ(sink_.letters[0].reason, "too_large");
  EXPECT_EQ(sink_.letters[0].detail, "record of 61 bytes exceeds --max-record-bytes 50");
  EXPECT_EQ(WhereOf(sink_.letters[0]), Where(f, 0, 0, 1));
  EXPECT_EQ(sink_.letters[0].raw,
            R"({"eventName":"GetObject","requestParameters":{"key":"a/b/c"}})");
  EXPECT_EQ(sink_.letters[1].reason, "too_large");
  EXPECT_EQ(sink_.letters[1].detail,
            "EventBridge event of 70089 bytes exceeds --max-record-bytes 50 + 65536 for its "
            "envelope");
  EXPECT_EQ(WhereOf(sink_.letters[1]), Where(f, 1, 117, 2));
  EXPECT_TRUE(sink_.letters[1].raw_truncated);
}

TEST_F(SourceTest, FramingIsDetectedPerFile) {
  std::string eb = Write(
      "1.json", R"({"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"A"}})");
  std::string plain = Write("2.json", "{\"eventName\":\"B\"}{\"eventName\":\"C\"}");
  std::string cwl = Write(
      "3.json.gz",
      Gzip(R"({"messageType":"DATA_MESSAGE","logEvents":[{"message":"{\"eventName\":\"D\"}"}]})"));
  std::string doc = Write("4.json", "{\"Records\":[{\"eventName\":\"E\"}]}");
  EXPECT_EQ(ReadAll({eb, plain, cwl, doc}),
            (std::vector<Rec>{{"{\"eventName\":\"A\"}", eb, 0, 0, 1},
                              {"{\"eventName\":\"B\"}", plain, 0, 0, 1},
                              {"{\"eventName\":\"C\"}", plain, 1, 17, 1},
                              {"{\"eventName\":\"D\"}", cwl, 0, 0, 0},
                              {"{\"eventName\":\"E\"}", doc, 0, 0, 0}}));
  EXPECT_TRUE(sink_.letters.empty());
}

// --- Helpers ---

TEST(JsonObjectScanner, FindsTheEndWhateverThePieces) {
  // 37 bytes: quotes, braces and a backslash inside strings.
  const std::string object = R"({"a":"}\"{","b":[{"c":"\\"}],"d":"x"})";
  const std::string text = object + "{\"k\":\"v\"}";
  ASSERT_EQ(object.size(), 37u);
  JsonObjectScanner scanner;
  scanner.Reset();
  EXPECT_EQ(scanner.Scan(text), 37u);
  for (size_t piece = 1; piece <= 5; ++piece) {
    scanner.Reset();
    size_t end = std::string::npos;
    for (size_t at = 0; at < text.size() && end == std::string::npos; at += piece) {
      size_t n = scanner.Scan(std::string_view(text).substr(at, piece));
      if (n != std::string::npos) end = at + n;
    }
    EXPECT_EQ(end, 37u) << "pieces of " << piece;
  }
  scanner.Reset();
  EXPECT_EQ(scanner.Scan("{\"a\":\"}"), std::string::npos);
}

TEST(FindTopLevelKeys, OnlyKeysOfTheOutermostObject) {
  TopLevelKeys keys = FindTopLevelKeys(
      R"({"x":{"detail-type":1,"detail":2,"Records":[]},"y":"detail-type","z":["detail"],"messageType":"DATA_MESSAGE","logEvents":[]})");
  EXPECT_FALSE(keys.detail_type);
  EXPECT_FALSE(keys.detail);
  EXPECT_FALSE(keys.records);
  EXPECT_TRUE(keys.message_type);
  EXPECT_TRUE(keys.log_events);
  keys = FindTopLevelKeys(R"({"detail-type":"x","detail":{}} {"Records":[]})");
  EXPECT_TRUE(keys.detail_type && keys.detail);
  EXPECT_FALSE(keys.records);  // after the end of the first object
}

TEST(IsCloudTrailDetailType, ViaCloudTrailSuffix) {
  EXPECT_TRUE(IsCloudTrailDetailType("AWS API Call via CloudTrail"));
  EXPECT_TRUE(IsCloudTrailDetailType("AWS Console Sign In via CloudTrail"));
  EXPECT_TRUE(IsCloudTrailDetailType("AWS Service Event via CloudTrail"));
  EXPECT_FALSE(IsCloudTrailDetailType("EC2 Instance State-change Notification"));
  EXPECT_FALSE(IsCloudTrailDetailType("AWS API Call via CloudTrail "));
}

// --- Streaming from a pipe ---

class KinesisStdinTest : public ::testing::Test {
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
  Rec Take(RecordSource& source) {
    RawRecord record;
    absl::StatusOr<bool> more = source.Next(record);
    if (!more.ok() || !*more) {
      ADD_FAILURE() << "no record";
      return {};
    }
    return Rec(std::string(record.bytes), record.position.file, record.position.record_index,
               record.position.byte_offset, record.position.line);
  }

  int saved_stdin_ = -1;
  int write_fd_ = -1;
  CollectingSink sink_;
};

TEST_F(KinesisStdinTest, ConcatenatedObjectsArriveBeforeEndOfInput) {
  absl::StatusOr<std::unique_ptr<RecordSource>> source = OpenInputs({"-"}, {}, sink_);
  ASSERT_TRUE(source.ok()) << source.status();
  Send("{\"a\":1}{\"b\"");
  EXPECT_EQ(Take(**source), Rec("{\"a\":1}", "-", 0, 0, 1));
  Send(":2}");
  EXPECT_EQ(Take(**source), Rec("{\"b\":2}", "-", 1, 7, 1));
  Send("\n{\"detail-type\":\"x\",\"detail\":{}}");  // no longer decides anything
  EXPECT_EQ(Take(**source), Rec("{\"detail-type\":\"x\",\"detail\":{}}", "-", 2, 15, 2));
  close(write_fd_);
  write_fd_ = -1;
  RawRecord record;
  absl::StatusOr<bool> more = (*source)->Next(record);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

TEST_F(KinesisStdinTest, EventBridgeEventsArriveBeforeEndOfInput) {
  absl::StatusOr<std::unique_ptr<RecordSource>> source = OpenInputs({"-"}, {}, sink_);
  ASSERT_TRUE(source.ok()) << source.status();
  Send(R"({"detail-type":"AWS API Call via CloudTrail","detail":{"eventName": "A"}})"
       "\n{\"detail-type\"");
  EXPECT_EQ(Take(**source), Rec("{\"eventName\":\"A\"}", "-", 0, 0, 1));
  Send(R"(:"AWS API Call via CloudTrail","detail":{"eventName":"B"}})"
       "\n");
  EXPECT_EQ(Take(**source), Rec("{\"eventName\":\"B\"}", "-", 1, 74, 2));
}

}  // namespace
}  // namespace trailhound
namespace trailhound {
namespace {

TEST_F(SourceTest, ConcatenatedRecordsDocumentsAsFromZcatOfSeveralFiles) {
  // What `zcat *_CloudTrail_*.json.gz` gives: documents back to back. Each is
  // parsed on its own; a bad one is one dead letter and the next is read.
  // Offsets: 0 (49 bytes), 49 (31 bytes + "\n"), 81 (32 bytes), 113 (14
  // bytes), 127 (31 bytes), 158.
  std::string f = Write(
      "cloudtrail.json.gz",
      Gzip("{\"Records\":[{\"eventName\":\"A\"},{\"eventName\":\"B\"}]}") +
          Gzip("{\"Records\":[{\"eventName\":\"C\"}]}\n") +
          Gzip("{\"Records\":[{\"eventName\":\"X\"},]}") + Gzip("{\"Records\":[]}") +
          Gzip("{\"Records\":[{\"eventName\":\"D\"}]}") + Gzip("{\"eventName\":\"E\"}"));
  EXPECT_EQ(ReadAll({f}), (std::vector<Rec>{{"{\"eventName\":\"A\"}", f, 0, 0, 0},
                                            {"{\"eventName\":\"B\"}", f, 1, 0, 0},
                                            {"{\"eventName\":\"C\"}", f, 2, 49, 0},
                                            {"{\"eventName\":\"D\"}", f, 3, 127, 0}}));
  ASSERT_EQ(sink_.letters.size(), 2u);
  EXPECT_EQ(sink_.letters[0].reason, "invalid_document");
  EXPECT_EQ(WhereOf(sink_.letters[0]), Where(f, 3, 81, 0));
  EXPECT_EQ(sink_.letters[0].raw, "{\"Records\":[{\"eventName\":\"X\"},]}");
  EXPECT_EQ(sink_.letters[1].reason, "invalid_document");
  EXPECT_EQ(sink_.letters[1].detail, "document without \"Records\"");
  EXPECT_EQ(WhereOf(sink_.letters[1]), Where(f, 4, 158, 0));
}

}  // namespace
}  // namespace trailhound

#!/usr/bin/env python3
"""Deterministic generator of realistic CloudTrail detection rules, for benchmarks.

Writes N `CREATE RULE` statements, preceded by the `CREATE LIST` statements
they use, as one .sql file that `trailhound check` accepts without errors or
warnings. The same (N, seed) always gives the same text.

The rules look like the ones security teams write from their runbooks:

  - eventSource equality + eventName IN (…) (+ errorCode IS NULL)
  - eventName equality + sourceIPAddress NOT IN an IP list (CIDRs, IPv4 and IPv6)
  - eventName IN (…) + NOT cidr_match(sourceIPAddress, list)
  - eventSource + userAgent LIKE '%tool/%'
  - eventName + userIdentity.arn LIKE 'arn:aws:sts::ACCOUNT:assumed-role/ROLE/%'
  - eventSource + userIdentity.arn REGEXP '^arn:aws:(iam|sts)::ACCOUNT:…'
  - eventName + userAgent REGEXP '(?i)(tool1|tool2)/[0-9]'
  - eventName + userIdentity.type = 'Root'
  - eventSource + eventName + errorCode IN (…)
  - eventName IN (…) + awsRegion NOT IN (…)
  - S3 data events on a bucket list
  - a few rules with no eventName/eventSource anchor (user agents of attack
    tools, root activity from outside the office) that every record evaluates

eventName / eventSource values come from a vocabulary of ~300 real API calls
over 26 services, so only some rules can fire on `trailhound gen` records
(as in production: most rules watch for rare calls).

Usage:
  gen_rules.py N [--seed S] [--output FILE]
"""

import argparse
import random
import sys

SERVICES = {
    "iam.amazonaws.com": [
        "AddUserToGroup", "AttachGroupPolicy", "AttachRolePolicy", "AttachUserPolicy",
        "ChangePassword", "CreateAccessKey", "CreateGroup", "CreateInstanceProfile",
        "CreateLoginProfile", "CreatePolicy", "CreatePolicyVersion", "CreateRole",
        "CreateSAMLProvider", "CreateServiceLinkedRole", "CreateUser",
        "CreateVirtualMFADevice", "DeactivateMFADevice", "DeleteAccessKey",
        "DeleteGroupPolicy", "DeleteLoginProfile", "DeletePolicy", "DeleteRole",
        "DeleteRolePermissionsBoundary", "DeleteRolePolicy", "DeleteUser",
        "DeleteUserPolicy", "DetachGroupPolicy", "DetachRolePolicy", "DetachUserPolicy",
        "EnableMFADevice", "GetAccountAuthorizationDetails", "GetCredentialReport",
        "ListAccessKeys", "ListAttachedRolePolicies", "ListRoles", "ListUsers",
        "PutGroupPolicy", "PutRolePermissionsBoundary", "PutRolePolicy", "PutUserPolicy",
        "RemoveUserFromGroup", "SetDefaultPolicyVersion", "UpdateAccessKey",
        "UpdateAssumeRolePolicy", "UpdateLoginProfile", "UpdateSAMLProvider",
        "UploadSSHPublicKey", "UploadServerCertificate",
    ],
    "sts.amazonaws.com": [
        "AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity",
        "GetCallerIdentity", "GetFederationToken", "GetSessionToken",
        "DecodeAuthorizationMessage", "GetAccessKeyInfo",
    ],
    "signin.amazonaws.com": [
        "ConsoleLogin", "CheckMfa", "SwitchRole", "ExitRole", "RenewRole",
        "PasswordRecoveryRequested", "PasswordRecoveryCompleted",
    ],
    "s3.amazonaws.com": [
        "GetObject", "PutObject", "HeadObject", "DeleteObject", "DeleteObjects",
        "ListObjects", "ListObjectsV2", "ListBuckets", "CreateBucket", "DeleteBucket",
        "GetBucketAcl", "PutBucketAcl", "GetBucketPolicy", "PutBucketPolicy",
        "DeleteBucketPolicy", "PutBucketPublicAccessBlock",
        "DeleteBucketPublicAccessBlock", "PutBucketLogging", "PutBucketVersioning",
        "PutBucketLifecycle", "PutBucketReplication", "PutBucketEncryption",
        "DeleteBucketEncryption", "PutObjectAcl", "GetObjectAcl", "CopyObject",
        "RestoreObject", "PutBucketCors", "PutBucketWebsite",
    ],
    "ec2.amazonaws.com": [
        "RunInstances", "TerminateInstances", "StopInstances", "StartInstances",
        "DescribeInstances", "DescribeSecurityGroups", "AuthorizeSecurityGroupIngress",
        "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
        "CreateSecurityGroup", "DeleteSecurityGroup", "CreateKeyPair", "ImportKeyPair",
        "DeleteKeyPair", "CreateSnapshot", "ModifySnapshotAttribute",
        "ModifyImageAttribute", "CopySnapshot", "CreateImage", "DeleteSnapshot",
        "ModifyInstanceAttribute", "GetPasswordData", "DescribeInstanceAttribute",
        "CreateVpc", "DeleteVpc", "CreateSubnet", "CreateRoute", "ReplaceRoute",
        "CreateInternetGateway", "AttachInternetGateway", "CreateNetworkAclEntry",
        "DeleteNetworkAclEntry", "ModifyVpcAttribute", "DeleteFlowLogs",
        "DisableEbsEncryptionByDefault", "CreateVpcPeeringConnection",
        "AcceptVpcPeeringConnection", "AssociateIamInstanceProfile",
        "ReplaceIamInstanceProfileAssociation", "RequestSpotInstances",
    ],
    "kms.amazonaws.com": [
        "Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey", "CreateKey",
        "ScheduleKeyDeletion", "CancelKeyDeletion", "DisableKey", "EnableKey",
        "PutKeyPolicy", "CreateGrant", "RevokeGrant", "RotateKey",
        "DisableKeyRotation", "ImportKeyMaterial", "DeleteImportedKeyMaterial",
    ],
    "cloudtrail.amazonaws.com": [
        "StopLogging", "StartLogging", "DeleteTrail", "UpdateTrail", "CreateTrail",
        "PutEventSelectors", "PutInsightSelectors", "GetTrailStatus", "DescribeTrails",
        "DeleteEventDataStore", "StopEventDataStoreIngestion",
    ],
    "lambda.amazonaws.com": [
        "CreateFunction20150331", "UpdateFunctionCode20150331v2",
        "UpdateFunctionConfiguration20150331v2", "AddPermission20150331v2",
        "DeleteFunction20150331", "ListFunctions20150331", "CreateEventSourceMapping20150331",
        "PublishLayerVersion20181031", "AddLayerVersionPermission20181031",
        "CreateFunctionUrlConfig20211031", "UpdateFunctionUrlConfig20211031",
    ],
    "guardduty.amazonaws.com": [
        "DeleteDetector", "UpdateDetector", "DisassociateFromMasterAccount",
        "DeleteMembers", "StopMonitoringMembers", "CreateIPSet", "UpdateIPSet",
        "DeleteIPSet", "CreateFilter", "UpdateFilter", "ArchiveFindings",
        "DeletePublishingDestination",
    ],
    "config.amazonaws.com": [
        "StopConfigurationRecorder", "DeleteConfigurationRecorder",
        "DeleteDeliveryChannel", "PutConfigurationRecorder", "DeleteConfigRule",
        "PutDeliveryChannel", "DeleteEvaluationResults",
    ],
    "organizations.amazonaws.com": [
        "LeaveOrganization", "RemoveAccountFromOrganization", "CreateAccount",
        "InviteAccountToOrganization", "DeletePolicy", "DetachPolicy", "UpdatePolicy",
        "DisableAWSServiceAccess", "DeleteOrganization", "MoveAccount",
    ],
    "secretsmanager.amazonaws.com": [
        "GetSecretValue", "PutSecretValue", "DeleteSecret", "PutResourcePolicy",
        "RestoreSecret", "UpdateSecret", "RotateSecret", "CreateSecret",
        "ListSecrets", "BatchGetSecretValue",
    ],
    "ssm.amazonaws.com": [
        "GetParameter", "GetParameters", "GetParametersByPath", "PutParameter",
        "DeleteParameter", "SendCommand", "StartSession", "ResumeSession",
        "CreateDocument", "UpdateDocument", "ModifyDocumentPermission",
    ],
    "rds.amazonaws.com": [
        "ModifyDBInstance", "DeleteDBInstance", "DeleteDBCluster", "ModifyDBSnapshotAttribute",
        "ModifyDBClusterSnapshotAttribute", "CreateDBSnapshot", "RestoreDBInstanceFromDBSnapshot",
        "StopDBInstance", "RebootDBInstance", "CopyDBSnapshot",
    ],
    "ecr.amazonaws.com": [
        "SetRepositoryPolicy", "DeleteRepository", "PutImage", "BatchDeleteImage",
        "GetAuthorizationToken", "PutLifecyclePolicy", "PutImageScanningConfiguration",
    ],
    "eks.amazonaws.com": [
        "CreateCluster", "DeleteCluster", "UpdateClusterConfig", "CreateAccessEntry",
        "AssociateAccessPolicy", "CreateNodegroup", "DeleteNodegroup",
    ],
    "logs.amazonaws.com": [
        "DeleteLogGroup", "DeleteLogStream", "PutRetentionPolicy",
        "DeleteSubscriptionFilter", "PutSubscriptionFilter", "CreateExportTask",
        "DisassociateKmsKey",
    ],
    "route53.amazonaws.com": [
        "ChangeResourceRecordSets", "DeleteHostedZone", "CreateHostedZone",
        "DisableDomainTransferLock", "TransferDomainToAnotherAwsAccount",
    ],
    "sso.amazonaws.com": [
        "CreatePermissionSet", "DeletePermissionSet", "AttachManagedPolicyToPermissionSet",
        "PutInlinePolicyToPermissionSet", "CreateAccountAssignment",
        "DeleteAccountAssignment", "ProvisionPermissionSet",
    ],
    "securityhub.amazonaws.com": [
        "DisableSecurityHub", "BatchDisableStandards", "DeleteInsight",
        "UpdateFindings", "BatchUpdateFindings", "DisableImportFindingsForProduct",
    ],
    "access-analyzer.amazonaws.com": [
        "DeleteAnalyzer", "CreateArchiveRule", "UpdateArchiveRule", "ApplyArchiveRule",
    ],
    "sns.amazonaws.com": [
        "SetTopicAttributes", "DeleteTopic", "Subscribe", "Unsubscribe", "AddPermission",
    ],
    "sqs.amazonaws.com": [
        "SetQueueAttributes", "DeleteQueue", "AddPermission", "PurgeQueue",
    ],
    "dynamodb.amazonaws.com": [
        "DeleteTable", "UpdateTable", "ExportTableToPointInTime", "DeleteBackup",
        "UpdateContinuousBackups", "RestoreTableFromBackup",
    ],
    "elasticloadbalancing.amazonaws.com": [
        "DeleteLoadBalancer", "ModifyListener", "CreateListener", "ModifyLoadBalancerAttributes",
    ],
    "cloudformation.amazonaws.com": [
        "CreateStack", "DeleteStack", "UpdateStack", "CreateStackSet", "SetStackPolicy",
    ],
}

ACCOUNTS = ["123456789012", "210987654321", "444455556666", "777788889999",
            "111122223333", "555566667777", "999988887777", "246813579135"]
ROLES = ["Admin", "ReadOnly", "BreakGlass", "DataScience", "GitHubActionsDeploy",
         "OrganizationAccountAccessRole", "ecsTaskRole", "payroll-export-role",
         "web-app-instance-role", "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789",
         "AWSReservedSSO_ReadOnlyAccess_fedcba9876543210", "lambda-exec", "etl-runner",
         "incident-response", "SecurityAudit", "PowerUser", "ci-build", "backup-operator"]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
         "judy", "kevin", "mallory", "terraform", "ci-deploy", "backup-svc",
         "svc-legacy-etl", "partner-sync", "ops-fed", "oscar", "peggy", "trent", "victor"]
# User-agent fragments: SDKs and CLIs people use, and offensive tooling.
AGENT_TOOLS = ["aws-cli", "Boto3", "Botocore", "aws-sdk-java", "aws-sdk-go", "aws-sdk-go-v2",
               "Terraform", "terraform-provider-aws", "aws-sdk-js", "aws-sdk-dotnet",
               "AWSPowerShell", "aws-sdk-ruby3", "aws-sdk-php", "Cloud9", "CloudShell"]
ATTACK_TOOLS = ["kali", "parrot", "pentoo", "sqlmap", "nmap", "masscan", "pacu", "scoutsuite",
                "prowler", "cloudsploit", "cloudfox", "weirdaal", "nuclei", "python-requests",
                "curl", "wget", "Go-http-client", "okhttp", "PostmanRuntime", "Stratus",
                "trufflehog", "gitleaks", "cloudmapper", "endgame", "aws_consoler"]
REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
           "eu-central-1", "eu-north-1", "ap-southeast-1", "ap-southeast-2",
           "ap-northeast-1", "ap-south-1", "sa-east-1", "ca-central-1"]
ERRORS = ["AccessDenied", "AccessDeniedException", "Client.UnauthorizedOperation",
          "UnauthorizedOperation", "NoSuchKey", "NoSuchBucket", "InvalidClientTokenId",
          "ExpiredToken", "ThrottlingException", "ValidationException",
          "Client.InvalidPermission.NotFound", "EntityAlreadyExists"]
# High-volume calls of `trailhound gen` output (each over ~0.5% of records).
# Rules on them always carry a restrictive second condition, as real rules
# do; "any X from outside the office" rules pick quieter calls.
NOISY_CALLS = {"GetObject", "DescribeInstances", "GetCallerIdentity", "Decrypt", "AssumeRole",
               "PutObject", "HeadObject", "ListRoles", "ListObjects", "DescribeSecurityGroups",
               "ListBuckets", "ListUsers", "GenerateDataKey", "DescribeKey",
               "ListFunctions20150331", "DeleteObject", "GetBucketAcl", "ListAccessKeys",
               "GetTrailStatus", "DescribeTrails", "AssumeRoleWithWebIdentity", "ConsoleLogin"}
SEVERITIES = ["info", "low", "medium", "medium", "high", "high", "critical"]
TECHNIQUES = ["T1078", "T1078.004", "T1098", "T1098.001", "T1110", "T1133", "T1136.003",
              "T1190", "T1485", "T1486", "T1490", "T1496", "T1526", "T1530", "T1537",
              "T1538", "T1552.005", "T1562.001", "T1562.007", "T1562.008", "T1580",
              "T1619", "T1648", "T1651"]
BUCKET_WORDS = ["payroll", "secrets", "backups", "logs", "pii", "finance", "hr", "legal",
                "customer-data", "exports", "archive", "keys", "db-dumps", "terraform-state"]


def sql_str(text):
    return "'" + text.replace("'", "''") + "'"


def sql_in(values):
    return "(" + ", ".join(sql_str(v) for v in values) + ")"


class Generator:
    def __init__(self, count, seed):
        self.count = count
        self.rng = random.Random(seed)
        self.services = sorted(SERVICES)
        self.all_calls = [(s, n) for s in self.services for n in SERVICES[s]]
        self.quiet_calls = [(s, n) for s, n in self.all_calls if n not in NOISY_CALLS]
        self.lists = []        # (name, items) in definition order
        self.ip_lists = []
        self.bucket_lists = []
        self.used_names = set()
        self._make_lists()

    # --- lists -----------------------------------------------------------

    def _ip_item(self):
        r = self.rng
        kind = r.random()
        if kind < 0.30:  # office / VPN egress: documentation ranges, as in the sample data
            base = r.choice(["203.0.113", "198.51.100", "192.0.2"])
            prefix = r.choice([32, 32, 30, 29, 28, 27, 26, 25, 24])
            last = r.randrange(256) if prefix == 32 else (r.randrange(256) >> (32 - prefix)) << (32 - prefix)
            item = f"{base}.{last}"
            return item if prefix == 32 else f"{item}/{prefix}"
        if kind < 0.60:  # private / corporate ranges
            a = r.choice(["10", "172", "192.168"])
            if a == "10":
                return f"10.{r.randrange(256)}.0.0/16"
            if a == "172":
                return f"172.{r.randrange(16, 32)}.{r.randrange(256)}.0/24"
            return f"192.168.{r.randrange(256)}.0/24"
        if kind < 0.85:  # public addresses of partners and bastions
            return f"{r.randrange(1, 224)}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"
        # IPv6 /48 or /64
        if r.random() < 0.5:
            return f"2001:db8:{r.randrange(0x10000):x}::/48"
        return f"2001:db8:{r.randrange(0x10000):x}:{r.randrange(0x10000):x}::/64"

    def _make_lists(self):
        r = self.rng
        ip_count = max(1, self.count // 25)
        for i in range(ip_count):
            items = []
            seen = set()
            # Some lists include the sample data's office addresses, so that
            # NOT IN rules both fire and stay quiet.
            if r.random() < 0.5:
                for item in ["203.0.113.0/25", "198.51.100.0/26", "2001:db8:10::/48"][:r.randrange(1, 4)]:
                    items.append(item)
                    seen.add(item)
            for _ in range(r.randrange(3, 30)):
                item = self._ip_item()
                if item not in seen:
                    seen.add(item)
                    items.append(item)
            name = f"trusted_ips_{i:05d}"
            self.lists.append((name, items))
            self.ip_lists.append(name)
        bucket_count = max(1, self.count // 50)
        for i in range(bucket_count):
            items = []
            for _ in range(r.randrange(2, 12)):
                item = f"acme-{r.choice(BUCKET_WORDS)}-{r.choice(['prod', 'stage', 'dev', 'dr'])}-{r.randrange(1000):03d}"
                if item not in items:
                    items.append(item)
            if r.random() < 0.05:
                items.append(r.choice(["acme-payroll", "acme-secrets-prod"]))
            name = f"sensitive_buckets_{i:05d}"
            self.lists.append((name, items))
            self.bucket_lists.append(name)

    # --- rule parts ----------------------------------------------------------

    def call(self):
        return self.rng.choice(self.all_calls)

    def quiet_call(self):
        return self.rng.choice(self.quiet_calls)

    def names_of(self, service, k):
        """Up to k quiet eventNames of `service`."""
        names = [n for n in SERVICES[service] if n not in NOISY_CALLS]
        return self.rng.sample(names, min(k, len(names)))

    def arn_like(self):
        r = self.rng
        account = r.choice(ACCOUNTS)
        if r.random() < 0.6:
            return f"arn:aws:sts::{account}:assumed-role/{r.choice(ROLES)}/%"
        return f"arn:aws:iam::{account}:user/{r.choice(USERS)}%"

    def arn_regex(self):
        r = self.rng
        account = r.choice(ACCOUNTS)
        names = "|".join(sorted(set(r.sample(USERS + ROLES, r.randrange(2, 5)))))
        return f"^arn:aws:(iam|sts)::{account}:(user|assumed-role)/({names})(/|$)"

    def agent_like(self):
        r = self.rng
        tool = r.choice(AGENT_TOOLS + ATTACK_TOOLS)
        shape = r.random()
        if shape < 0.4:
            return f"%{tool}/%"
        if shape < 0.7:
            return f"{tool}/{r.randrange(1, 3)}.{r.randrange(40)}%"
        return f"%{tool}%{r.choice(['Linux', 'Windows', 'Darwin', 'linux', 'amd64', 'x86_64'])}%"

    def agent_regex(self):
        r = self.rng
        tools = "|".join(sorted(set(r.sample(ATTACK_TOOLS, r.randrange(2, 5)))))
        return f"(?i)({tools})[/ ][0-9]+"

    def metadata(self, description):
        r = self.rng
        tags = ",".join(sorted(set(r.sample(TECHNIQUES, r.randrange(1, 3)))))
        return (f"WITH (severity = {sql_str(r.choice(SEVERITIES))}, tags = {sql_str(tags)},\n"
                f"      description = {sql_str(description)})")

    # --- templates -------------------------------------------------------------
    # Each returns (slug, description, select list, where).

    def t_source_names(self):
        service = self.rng.choice(self.services)
        names = self.names_of(service, self.rng.randrange(1, 5))
        where = f"eventSource = {sql_str(service)}\n  AND eventName IN {sql_in(names)}"
        if self.rng.random() < 0.5:
            where += "\n  AND errorCode IS NULL"
        return ("changes", f"{', '.join(names)} on {service}", "eventName, userIdentity.arn, sourceIPAddress", where)

    def t_ip_not_in(self):
        _, name = self.quiet_call()
        ips = self.rng.choice(self.ip_lists)
        return ("untrusted_ip", f"{name} from outside {ips}", "eventName, sourceIPAddress, userIdentity.arn",
                f"eventName = {sql_str(name)}\n  AND sourceIPAddress NOT IN {ips}")

    def t_cidr(self):
        service = self.rng.choice(self.services)
        names = self.names_of(service, self.rng.randrange(1, 4))
        ips = self.rng.choice(self.ip_lists)
        return ("outside_network", f"{', '.join(names)} not from {ips}", "eventName, sourceIPAddress",
                f"eventName IN {sql_in(names)}\n  AND NOT cidr_match(sourceIPAddress, {ips})")

    def t_agent_like(self):
        service = self.rng.choice(self.services)
        pattern = self.agent_like()
        return ("agent", f"{service} writes by {pattern}", "eventName, userAgent, userIdentity.arn",
                f"eventSource = {sql_str(service)}\n  AND readOnly = false\n"
                f"  AND userAgent LIKE {sql_str(pattern)}\n  AND userIdentity.type <> 'AWSService'")

    def t_arn_like(self):
        _, name = self.call()
        pattern = self.arn_like()
        return ("principal", f"{name} by {pattern}", "eventName, userIdentity.arn, awsRegion",
                f"eventName = {sql_str(name)}\n  AND userIdentity.arn LIKE {sql_str(pattern)}")

    def t_arn_regex(self):
        service = self.rng.choice(self.services)
        pattern = self.arn_regex()
        return ("principal_re", f"{service} writes by {pattern}", "eventName, userIdentity.arn",
                f"eventSource = {sql_str(service)}\n  AND readOnly = false\n"
                f"  AND userIdentity.arn REGEXP {sql_str(pattern)}")

    def t_agent_regex(self):
        _, name = self.call()
        pattern = self.agent_regex()
        return ("tool_re", f"{name} from {pattern}", "eventName, userAgent, sourceIPAddress",
                f"eventName = {sql_str(name)}\n  AND userAgent REGEXP {sql_str(pattern)}")

    def t_root(self):
        _, name = self.call()
        where = f"eventName = {sql_str(name)}\n  AND userIdentity.type = 'Root'"
        if self.rng.random() < 0.3:
            where += f"\n  AND sourceIPAddress NOT IN {self.rng.choice(self.ip_lists)}"
        return ("root", f"{name} by the root user", "eventName, sourceIPAddress, userAgent", where)

    def t_errors(self):
        service, name = self.call()
        errors = self.rng.sample(ERRORS, self.rng.randrange(1, 4))
        return ("denied", f"{name} failing with {', '.join(errors)}", "eventName, errorCode, errorMessage",
                f"eventSource = {sql_str(service)}\n  AND eventName = {sql_str(name)}\n"
                f"  AND errorCode IN {sql_in(errors)}")

    def t_region(self):
        service = self.rng.choice(self.services)
        names = self.names_of(service, self.rng.randrange(1, 4))
        regions = self.rng.sample(REGIONS, self.rng.randrange(1, 4))
        return ("region", f"{', '.join(names)} outside {', '.join(regions)}", "eventName, awsRegion",
                f"eventName IN {sql_in(names)}\n  AND awsRegion NOT IN {sql_in(regions)}")

    def t_bucket(self):
        names = self.rng.sample(["GetObject", "PutObject", "DeleteObject", "HeadObject",
                                 "CopyObject", "PutObjectAcl", "GetObjectAcl", "RestoreObject"],
                                self.rng.randrange(1, 4))
        buckets = self.rng.choice(self.bucket_lists)
        where = (f"eventSource = 's3.amazonaws.com'\n  AND eventName IN {sql_in(names)}\n"
                 f"  AND requestParameters.bucketName IN {buckets}")
        if self.rng.random() < 0.4:
            where += f"\n  AND userIdentity.arn NOT LIKE {sql_str(self.arn_like())}"
        return ("bucket", f"{', '.join(names)} on {buckets}", "eventName, bucketName, key, userIdentity.arn", where)

    def t_unanchored_agent(self):
        pattern = self.agent_regex() if self.rng.random() < 0.5 else f"%{self.rng.choice(ATTACK_TOOLS)}%"
        op = "REGEXP" if pattern.startswith("(?i)") else "ILIKE"
        return ("any_tool", f"any call from {pattern}", "eventName, eventSource, userAgent, sourceIPAddress",
                f"userAgent {op} {sql_str(pattern)}")

    def t_unanchored_root(self):
        ips = self.rng.choice(self.ip_lists)
        return ("any_root", f"root activity from outside {ips}", "eventName, sourceIPAddress",
                f"userIdentity.arn LIKE {sql_str('arn:aws:iam::' + self.rng.choice(ACCOUNTS) + ':root')}\n"
                f"  AND sourceIPAddress NOT IN {ips}")

    TEMPLATES = [
        ("t_source_names", 15), ("t_ip_not_in", 12), ("t_cidr", 8), ("t_agent_like", 10),
        ("t_arn_like", 10), ("t_arn_regex", 7), ("t_agent_regex", 6), ("t_root", 8),
        ("t_errors", 8), ("t_region", 5), ("t_bucket", 6), ("t_unanchored_agent", 3),
        ("t_unanchored_root", 2),
    ]

    def rules(self):
        names = [t for t, _ in self.TEMPLATES]
        weights = [w for _, w in self.TEMPLATES]
        out = []
        for i in range(self.count):
            template = self.rng.choices(names, weights)[0]
            slug, description, select, where = getattr(self, template)()
            name = f"gen_{i + 1:05d}_{slug}"
            out.append(f"CREATE RULE {name}\n{self.metadata(description)}\n"
                       f"AS SELECT {select}\nFROM cloudtrail\nWHERE {where};\n")
        return out

    def text(self):
        rules = self.rules()
        # Only the lists the rules use (check warns about nothing, but unused
        # lists would only cost compile time).
        body = "\n".join(rules)
        parts = [f"-- {self.count} generated rules (bench/gen_rules.py). Do not edit.\n"]
        for name, items in self.lists:
            if name in body:
                parts.append(f"CREATE LIST {name} {sql_in(items)};\n")
        parts.append("\n")
        parts.append(body)
        return "".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of rules")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", help="file to write (default: stdout)")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("count must be at least 1")
    text = Generator(args.count, args.seed).text()
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()

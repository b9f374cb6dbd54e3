"""Data: the three tables and the data bucket.

Bucket layout (prefixes, not folders: nothing is pre-created):
  kb/                  knowledge documents + ``.metadata.json`` sidecars, written by fn-kb-sync (kept)
  kb-sync/             fn-kb-sync's progress state (outside kb/, so never ingested)
  transcripts/{date}/  fn-archive's export of each UTC day, refreshed every 6 hours (→ IA at 30 d, Glacier IR at 90 d)
  archive/             fn-archive's long-term bundles (→ Glacier IR at once)
  reports/             fn-gaps-batch weekly reports (→ IA at 30 d)
  artifacts/lambda/    the Lambda zip, keyed by its hash
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .iam import policy_json

BY_DAY_INDEX = "by_day"  # tbl-transcripts GSI: PK ``day`` (YYYY-MM-DD) — lets fn-archive export one day


@dataclass
class DataStoreArgs:
    transcript_archive_days: int  # how long exported transcripts stay in S3
    protect: bool  # deletion protection on tables holding visitor data


class DataStore(pulumi.ComponentResource):
    def __init__(self, name: str, args: DataStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("website-assistant:infra:DataStore", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        sse = {"enabled": True}  # AWS-managed KMS key: encrypted, auditable, no key to manage

        # Sessions also hold rate-limit counters and idempotency items under other key values,
        # hence a bare PK and a generic ``ttl`` attribute that expires all of them.
        self.sessions = aws.dynamodb.Table(
            "tbl-sessions", name="tbl-sessions", billing_mode="PAY_PER_REQUEST", hash_key="connection_id",
            attributes=[{"name": "connection_id", "type": "S"}],
            ttl={"attribute_name": "ttl", "enabled": True},
            server_side_encryption=sse, opts=child)
        self.transcripts = aws.dynamodb.Table(
            "tbl-transcripts", name="tbl-transcripts", billing_mode="PAY_PER_REQUEST",
            hash_key="session_id", range_key="turn_index",
            attributes=[
                {"name": "session_id", "type": "S"}, {"name": "turn_index", "type": "N"},
                {"name": "day", "type": "S"}, {"name": "created_at", "type": "S"},
            ],
            # Sparse: only turns carrying ``day`` appear; KEYS_ONLY would force a GetItem per turn.
            global_secondary_indexes=[{
                "name": BY_DAY_INDEX, "hash_key": "day", "range_key": "created_at", "projection_type": "ALL",
            }],
            ttl={"attribute_name": "ttl", "enabled": True},  # retention: the writer sets created + N days
            point_in_time_recovery={"enabled": True},
            deletion_protection_enabled=args.protect,
            server_side_encryption=sse, opts=child)
        self.gaps = aws.dynamodb.Table(
            "tbl-gaps", name="tbl-gaps", billing_mode="PAY_PER_REQUEST", hash_key="week_iso", range_key="sk",
            attributes=[{"name": "week_iso", "type": "S"}, {"name": "sk", "type": "S"}],
            ttl={"attribute_name": "ttl", "enabled": True},
            server_side_encryption=sse, opts=child)

        # Auto-named: "chat-assistant-data-<random>", unique across accounts.
        self.bucket = aws.s3.Bucket("chat-assistant-data", force_destroy=False, opts=child)
        bucket_child = pulumi.ResourceOptions(parent=self.bucket)
        block = aws.s3.BucketPublicAccessBlock(
            "chat-assistant-data-public-block", bucket=self.bucket.id, block_public_acls=True,
            block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True, opts=bucket_child)
        aws.s3.BucketOwnershipControls(
            "chat-assistant-data-ownership", bucket=self.bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"}, opts=bucket_child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            "chat-assistant-data-sse", bucket=self.bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"},
                    "bucket_key_enabled": True}], opts=bucket_child)
        aws.s3.BucketPolicy(
            "chat-assistant-data-tls-only", bucket=self.bucket.id,
            policy=policy_json([{
                # The one place a wildcard action is right: a Deny of everything over plain HTTP.
                "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [self.bucket.arn, pulumi.Output.concat(self.bucket.arn, "/*")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }]),
            opts=pulumi.ResourceOptions(parent=self.bucket, depends_on=[block]))
        days = args.transcript_archive_days
        aws.s3.BucketLifecycleConfiguration(
            "chat-assistant-data-lifecycle", bucket=self.bucket.id,
            rules=[
                {"id": "transcripts", "status": "Enabled", "filter": {"prefix": "transcripts/"},
                 "transitions": [{"days": 30, "storage_class": "STANDARD_IA"},
                                 {"days": 90, "storage_class": "GLACIER_IR"}],
                 "expiration": {"days": max(days, 91)}},
                {"id": "archive", "status": "Enabled", "filter": {"prefix": "archive/"},
                 "transitions": [{"days": 0, "storage_class": "GLACIER_IR"}],
                 "expiration": {"days": max(days, 91)}},
                {"id": "reports", "status": "Enabled", "filter": {"prefix": "reports/"},
                 "transitions": [{"days": 30, "storage_class": "STANDARD_IA"}]},
                # Index versions kb-sync retired (tagged when a newer one and the one before it are
                # published); a day gives any answerer still loading one time to finish.
                {"id": "index-retired", "status": "Enabled",
                 "filter": {"and": {"prefix": "index/", "tags": {"retired": "true"}}},
                 "expiration": {"days": 1}},
                {"id": "abort-multipart", "status": "Enabled", "filter": {"prefix": ""},
                 "abort_incomplete_multipart_upload": {"days_after_initiation": 7}},
            ],
            opts=bucket_child)

        self.register_outputs({
            "sessions_table": self.sessions.name, "transcripts_table": self.transcripts.name,
            "gaps_table": self.gaps.name, "bucket": self.bucket.bucket,
        })

"""The composed test world: doubles, S3 and a way to build kb_sync as the Lambda would."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from kb_sync.compose import drive_source, local_engine, s3_engine
from kb_sync.config import SyncConfig
from kb_sync.engine import SyncEngine
from tests.doubles.kb_sync.bedrock_agent import BedrockAgentDouble
from tests.doubles.kb_sync.drive import DriveDouble
from tests.doubles.kb_sync.oauth import OAuthDouble

REGION = "ap-southeast-1"
SUBJECT = "writer@example.com"
AWS_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}


@dataclass
class World:
    drive: DriveDouble
    oauth: OAuthDouble
    agent: BedrockAgentDouble
    s3: Any
    bucket: str
    key_file: Path
    root: str
    sleeps: list[float] = field(default_factory=list)

    def config(self, **changes: Any) -> SyncConfig:
        base = SyncConfig(
            folder_id=self.root,
            subject=SUBJECT,
            credentials_file=str(self.key_file),
            drive_api_base=self.drive.url,
            token_uri=self.oauth.token_uri,
            bucket=self.bucket,
            kb_id="KB12345678",
            data_source_id="DS12345678",
            region=REGION,
        )
        return SyncConfig(**{**base.__dict__, **changes})

    def engine(self, **changes: Any) -> SyncEngine:
        """A freshly composed engine, as each Lambda invocation would get."""
        cfg = self.config(**changes)
        agent = boto3.client("bedrock-agent", endpoint_url=self.agent.url, **AWS_KEYS)
        source = drive_source(cfg, sleep=self.sleeps.append)
        return s3_engine(cfg, s3=self.s3, secrets=None, bedrock_agent=agent, source=source)

    def local(self, dest: Path, **changes: Any) -> SyncEngine:
        cfg = self.config(**changes)
        return local_engine(cfg, dest, source=drive_source(cfg, sleep=self.sleeps.append))

    def objects(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for obj in page.get("Contents", []):
                out[obj["Key"]] = self.s3.get_object(Bucket=self.bucket, Key=obj["Key"])["Body"].read()
        return out

    def kb_objects(self) -> dict[str, bytes]:
        return {k: v for k, v in self.objects().items() if k.startswith("kb/")}

    def sidecar(self, key: str) -> dict[str, str]:
        body = self.s3.get_object(Bucket=self.bucket, Key=f"kb/{key}.metadata.json")["Body"].read()
        return json.loads(body)["metadataAttributes"]

    def documents(self) -> dict[str, dict[str, str]]:
        """drive_file_id -> sidecar attributes, for every document object under kb/."""
        objects = self.kb_objects()
        docs = {}
        for key, body in objects.items():
            if key.endswith(".metadata.json"):
                attrs = json.loads(body)["metadataAttributes"]
                assert key.removesuffix(".metadata.json") in objects, f"sidecar without document: {key}"
                docs[attrs["drive_file_id"]] = attrs
        return docs

"""OpenSearch Serverless vector store, for Regions without S3 Vectors (``vector_store: opensearch``).

Costs a floor of ~2 OCU-halves (≈ $175/month with standby replicas off) — hence not the default.
Bedrock needs the vector index to exist before the knowledge base is created, and no AWS API
creates it: ``VectorIndex`` is a small dynamic resource that PUTs the mapping over SigV4.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic
import pulumi_aws as aws

from .iam import AccountContext

VECTOR_FIELD = "bedrock-knowledge-base-default-vector"
TEXT_FIELD = "AMAZON_BEDROCK_TEXT_CHUNK"
METADATA_FIELD = "AMAZON_BEDROCK_METADATA"
INDEX_NAME = "bedrock-knowledge-base-default-index"


def index_mapping(dimensions: int) -> dict[str, Any]:
    return {
        "settings": {"index": {"knn": True, "knn.algo_param.ef_search": 512}},
        "mappings": {"properties": {
            VECTOR_FIELD: {"type": "knn_vector", "dimension": dimensions, "method": {
                "name": "hnsw", "engine": "faiss", "space_type": "l2",
                "parameters": {"ef_construction": 512, "m": 16}}},
            TEXT_FIELD: {"type": "text", "index": True},
            METADATA_FIELD: {"type": "text", "index": False},
        }},
    }


def signed_request(method: str, url: str, region: str, body: bytes = b"") -> tuple[int, bytes]:
    """One SigV4-signed (service ``aoss``) request with the deployer's credentials."""
    import boto3  # the deployer's environment, not the Lambda package
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    headers = {"content-type": "application/json"}
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    # AOSS requires the payload hash header (it does not accept UNSIGNED-PAYLOAD for PUT).
    request.headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
    SigV4Auth(boto3.Session().get_credentials(), "aoss", region).add_auth(request)
    req = urllib.request.Request(url, data=body or None, method=method, headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


class VectorIndexProvider(pulumi.dynamic.ResourceProvider):
    """Creates/deletes one index; retries 403 while a fresh data-access policy propagates."""

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        url = f"{props['endpoint']}/{props['index_name']}"
        body = json.dumps(index_mapping(int(props["dimensions"]))).encode()
        deadline = time.monotonic() + float(props.get("wait_s", 120))
        while True:
            status, text = signed_request("PUT", url, props["region"], body)
            if status < 300 or b"resource_already_exists_exception" in text:
                return pulumi.dynamic.CreateResult(id_=url, outs=props)
            if status != 403 or time.monotonic() > deadline:
                raise RuntimeError(f"creating vector index {url}: HTTP {status} {text[:300]!r}")
            time.sleep(5)

    def delete(self, id: str, props: dict[str, Any]) -> None:  # Pulumi's signature
        status, text = signed_request("DELETE", id, props["region"])
        if status >= 300 and status != 404:
            raise RuntimeError(f"deleting vector index {id}: HTTP {status} {text[:300]!r}")


class VectorIndex(pulumi.dynamic.Resource):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(VectorIndexProvider(), name, props, opts)


def iam_principal(arn: str) -> str:
    """AOSS data policies want the role ARN, not the STS assumed-role session ARN."""
    if ":assumed-role/" in arn:
        prefix, rest = arn.split(":assumed-role/", 1)
        return prefix.replace(":sts:", ":iam:") + ":role/" + rest.split("/")[0]
    return arn


@dataclass
class OpenSearchVectorStoreArgs:
    account: AccountContext
    collection_name: str
    reader_role_arn: pulumi.Input[str]  # the knowledge base's service role
    dimensions: int


class OpenSearchVectorStore(pulumi.ComponentResource):
    def __init__(self, name: str, args: OpenSearchVectorStoreArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("website-assistant:infra:OpenSearchVectorStore", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        coll = args.collection_name
        rules = [{"ResourceType": "collection", "Resource": [f"collection/{coll}"]}]
        enc = aws.opensearch.ServerlessSecurityPolicy(
            f"{coll}-enc", name=f"{coll}-enc", type="encryption",
            policy=json.dumps({"Rules": rules, "AWSOwnedKey": True}), opts=child)
        net = aws.opensearch.ServerlessSecurityPolicy(
            f"{coll}-net", name=f"{coll}-net", type="network",
            policy=json.dumps([{"Rules": rules, "AllowFromPublic": True}]), opts=child)  # SigV4 still required
        self.collection = aws.opensearch.ServerlessCollection(
            coll, name=coll, type="VECTORSEARCH", standby_replicas="DISABLED",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[enc, net]))
        deployer = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).arn.apply(iam_principal)
        access = aws.opensearch.ServerlessAccessPolicy(
            f"{coll}-access", name=f"{coll}-access", type="data",
            policy=pulumi.Output.json_dumps([{
                "Rules": [
                    {"ResourceType": "collection", "Resource": [f"collection/{coll}"],
                     "Permission": ["aoss:DescribeCollectionItems"]},
                    {"ResourceType": "index", "Resource": [f"index/{coll}/*"],
                     "Permission": ["aoss:CreateIndex", "aoss:DescribeIndex", "aoss:ReadDocument",
                                    "aoss:WriteDocument", "aoss:UpdateIndex", "aoss:DeleteIndex"]},
                ],
                "Principal": [args.reader_role_arn, deployer],
            }]), opts=child)
        self.index = VectorIndex(f"{coll}-vector-index", {
            "endpoint": self.collection.collection_endpoint, "index_name": INDEX_NAME,
            "dimensions": args.dimensions, "region": args.account.region,
        }, opts=pulumi.ResourceOptions(parent=self.collection, depends_on=[access]))
        self.storage_configuration = {
            "type": "OPENSEARCH_SERVERLESS",
            "opensearch_serverless_configuration": {
                "collection_arn": self.collection.arn, "vector_index_name": INDEX_NAME,
                "field_mapping": {"vector_field": VECTOR_FIELD, "text_field": TEXT_FIELD,
                                  "metadata_field": METADATA_FIELD},
            },
        }
        self.register_outputs({"collection": self.collection.arn})

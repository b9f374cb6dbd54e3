"""Knowledge base ``kb-website-knowledge``: Titan v2 embeddings over the bucket's ``kb/`` prefix.

Vector store: S3 Vectors by default (no monthly floor), or OpenSearch Serverless when the
owner's region lacks S3 Vectors (``vector_store: opensearch``; see ``infra/opensearch.py``).
The service role may read only ``kb/`` of the data bucket, call only the embedding model and
touch only this index.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .iam import AccountContext, allow, policy_json, suffix

KB_NAME = "kb-website-knowledge"
EMBEDDING_DIMENSIONS = 1024  # Titan Text Embeddings v2 default
# Bedrock stores the chunk text and its metadata blob here; they exceed the 2 KB filterable budget.
NON_FILTERABLE_KEYS = ["AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA"]


@dataclass
class KnowledgeBaseArgs:
    account: AccountContext
    bucket_name: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    embedding_model: str  # e.g. "amazon.titan-embed-text-v2:0"
    vector_store: str  # "s3vectors" | "opensearch"


class KnowledgeBase(pulumi.ComponentResource):
    def __init__(self, name: str, args: KnowledgeBaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("website-assistant:infra:KnowledgeBase", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        acct = args.account
        self.embedding_model_arn = acct.arn("bedrock", f"foundation-model/{args.embedding_model}", account=False)

        self.role = aws.iam.Role(
            f"{KB_NAME}-role", name=f"{KB_NAME}-role",
            assume_role_policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": acct.account_id},
                                  "ArnLike": {"aws:SourceArn": acct.arn("bedrock", "knowledge-base/*")}},
                }],
            }),
            opts=child)

        statements = [
            allow(["bedrock:InvokeModel"], [self.embedding_model_arn], sid="Embed"),
            allow(["s3:ListBucket"], [args.bucket_arn], sid="ListKnowledgePrefix",
                  condition={"StringLike": {"s3:prefix": ["kb/", "kb/*"]}}),
            allow(["s3:GetObject"], [suffix(args.bucket_arn, "/kb/*")], sid="ReadKnowledge"),
        ]
        if args.vector_store == "s3vectors":
            store, storage_configuration = self._s3_vectors(child)
            statements.append(allow(
                ["s3vectors:GetIndex", "s3vectors:PutVectors", "s3vectors:GetVectors",
                 "s3vectors:DeleteVectors", "s3vectors:QueryVectors"],
                [store.index_arn], sid="VectorIndex"))
        elif args.vector_store == "opensearch":
            from .opensearch import OpenSearchVectorStore, OpenSearchVectorStoreArgs

            store = OpenSearchVectorStore(f"{KB_NAME}-aoss", OpenSearchVectorStoreArgs(
                account=acct, collection_name=KB_NAME, reader_role_arn=self.role.arn,
                dimensions=EMBEDDING_DIMENSIONS), opts=child)
            storage_configuration = store.storage_configuration
            statements.append(allow(["aoss:APIAccessAll"], [store.collection.arn], sid="VectorCollection"))
        else:
            raise ValueError(f"vector_store must be 's3vectors' or 'opensearch', not {args.vector_store!r}")

        role_policy = aws.iam.RolePolicy(f"{KB_NAME}-policy", role=self.role.id, policy=policy_json(statements),
                                         opts=pulumi.ResourceOptions(parent=self.role))

        self.kb = aws.bedrock.AgentKnowledgeBase(
            KB_NAME, name=KB_NAME, role_arn=self.role.arn,
            description="Website assistant help documents (synced from Google Drive).",
            knowledge_base_configuration={
                "type": "VECTOR",
                "vector_knowledge_base_configuration": {
                    "embedding_model_arn": self.embedding_model_arn,
                    "embedding_model_configuration": {"bedrock_embedding_model_configuration": {
                        "dimensions": EMBEDDING_DIMENSIONS, "embedding_data_type": "FLOAT32"}},
                },
            },
            storage_configuration=storage_configuration,
            # The role's grants must exist before Bedrock validates access to the store.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy, store]))
        self.data_source = aws.bedrock.AgentDataSource(
            f"{KB_NAME}-s3", name=f"{KB_NAME}-s3", knowledge_base_id=self.kb.id,
            # Sidecars (x.metadata.json) next to each document are picked up by the S3 connector.
            data_source_configuration={"type": "S3", "s3_configuration": {
                "bucket_arn": args.bucket_arn, "inclusion_prefixes": ["kb/"]}},
            data_deletion_policy="DELETE",  # a doc removed from Drive must stop being cited
            opts=pulumi.ResourceOptions(parent=self.kb))

        self.kb_id: pulumi.Output[str] = self.kb.id
        self.kb_arn: pulumi.Output[str] = self.kb.arn
        self.data_source_id: pulumi.Output[str] = self.data_source.data_source_id
        self.register_outputs({"knowledge_base_id": self.kb.id, "data_source_id": self.data_source_id})

    def _s3_vectors(self, child: pulumi.ResourceOptions) -> tuple[aws.s3.VectorsIndex, dict]:
        bucket = aws.s3.VectorsVectorBucket(f"{KB_NAME}-vectors", vector_bucket_name=f"{KB_NAME}-{pulumi.get_stack()}",
                                         opts=child)  # unique per account and region
        index = aws.s3.VectorsIndex(
            f"{KB_NAME}-index", index_name=f"{KB_NAME}-index", vector_bucket_name=bucket.vector_bucket_name,
            data_type="float32", dimension=EMBEDDING_DIMENSIONS, distance_metric="cosine",
            metadata_configuration={"non_filterable_metadata_keys": NON_FILTERABLE_KEYS},
            opts=pulumi.ResourceOptions(parent=bucket))
        return index, {"type": "S3_VECTORS", "s3_vectors_configuration": {"index_arn": index.index_arn}}

"""The boto3 adapters: the domain's ports over AWS services, for the Lambdas (and, against moto, the laptop).

Only the composition layer (``assistant_core/bootstrap/``) builds them. Each adapter translates botocore
errors into the domain's exceptions with ``raise … from``. Names are imported on first use, so importing one
adapter does not load the others.
"""

from assistant_core import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "bedrock_model": ("BedrockConverseModel",),
        "bedrock_retriever": ("BedrockKnowledgeBaseRetriever",),
        "gaps_reader": ("DynamoGapReader",),
        "handoff_store": ("DynamoHandoffStore", "DynamoTranscriptReader"),
        "messaging": ("ConnectionPoster", "LambdaHandoffQueue", "LambdaInvoker", "SecretReader", "SnsNotifier"),
        "records_tables": ("DynamoGaps", "DynamoTranscripts"),
        "report_store": ("S3ReportStore",),
        "sessions_table": ("DynamoSessionStore",),
        "telemetry": ("EventBridgeAudit", "TurnTelemetry"),
        "transcript_archive": ("DynamoDayTurns", "S3ArchiveBucket"),
    },
)

__all__ = [
    "BedrockConverseModel",
    "BedrockKnowledgeBaseRetriever",
    "ConnectionPoster",
    "DynamoDayTurns",
    "DynamoGapReader",
    "DynamoGaps",
    "DynamoHandoffStore",
    "DynamoSessionStore",
    "DynamoTranscriptReader",
    "DynamoTranscripts",
    "EventBridgeAudit",
    "LambdaHandoffQueue",
    "LambdaInvoker",
    "S3ArchiveBucket",
    "S3ReportStore",
    "SecretReader",
    "SnsNotifier",
    "TurnTelemetry",
]

"""Monthly cost estimate of the AWS stack: idle, and per 1,000 conversations.

Prints the figures quoted in docs/deploy.md. Prices are on-demand list prices for
ap-southeast-1 (USD, late 2025, no free tier) — re-check them on the AWS pricing pages; the
usage assumptions are stated next to each line so they can be changed and rerun.
"""

from __future__ import annotations

from infra.backend import DEFAULT_TUNING

# --- prices (ap-southeast-1) ---------------------------------------------------------------
LAMBDA_ARM_GB_S = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1e6
SECRET_MONTH = 0.40
SECRETS_API = 0.05 / 10_000
ALARM_MONTH = 0.10
WS_MESSAGE = 1.14 / 1e6  # per 32 KB message, either direction
WS_CONNECTION_MINUTE = 0.285 / 1e6
HTTP_API_REQUEST = 1.33 / 1e6
DDB_WRITE_UNIT = 0.7125 / 1e6
DDB_READ_UNIT = 0.1425 / 1e6
S3_GET = 0.00044 / 1000
S3_VECTORS_QUERY = 2.50 / 1e6
LOGS_INGEST_GB = 0.70
HAIKU_IN, HAIKU_OUT = 1.00 / 1e6, 5.00 / 1e6  # global. inference profile, per token
TITAN_V2_TOKEN = 0.02 / 1e6

# --- usage assumptions -----------------------------------------------------------------------
TURNS = 3  # visitor questions per conversation
PINGS = 5
FRAMES_PER_TURN = 30  # ack + ~25 deltas (600 chars / 24) + final frame
INPUT_TOKENS_PER_TURN = 2_000  # system ~600 + 5 passages ~1,250 + history ~150
OUTPUT_TOKENS_PER_TURN = 200
ANSWERER_SECONDS = 5.0  # wall time per turn, mostly waiting on the model stream
SMALL_HANDLER_SECONDS = 0.06
WRITE_UNITS = 34  # session row, 3x(idempotency + counter + scratchpad + answerer update), 3 turns x 3 KB (+GSI)
READ_UNITS = 10
LOG_BYTES = 5_000
KB_SYNC_SECONDS = 1.5  # an incremental Drive check with nothing changed
MONTH_TICKS = 30 * 24 * 12  # every 5 minutes


def gb(fn: str) -> float:
    return DEFAULT_TUNING[fn].memory_mb / 1024


def idle() -> dict[str, float]:
    return {
        "Secrets Manager (3 secrets)": 3 * SECRET_MONTH,
        "CloudWatch alarms (14)": 14 * ALARM_MONTH,
        "fn-kb-sync every 5 min": MONTH_TICKS * (KB_SYNC_SECONDS * gb("fn-kb-sync") * LAMBDA_ARM_GB_S
                                                 + LAMBDA_REQUEST + SECRETS_API + S3_GET),
        "logs of kb-sync (~2 KB/run)": MONTH_TICKS * 2_000 / 1e9 * LOGS_INGEST_GB,
    }


def per_thousand() -> dict[str, float]:
    n = 1000
    small = (1 * gb("fn-mint-token") + 2 * gb("fn-ws-connect") + (TURNS + PINGS) * gb("fn-ws-message")
             + gb("fn-ws-disconnect")) * SMALL_HANDLER_SECONDS
    lambda_gb_s = TURNS * ANSWERER_SECONDS * gb("fn-answerer") + small
    requests = 1 + 2 + TURNS + PINGS + 1 + TURNS
    return {
        "Bedrock Haiku 4.5 tokens": n * TURNS * (INPUT_TOKENS_PER_TURN * HAIKU_IN + OUTPUT_TOKENS_PER_TURN * HAIKU_OUT),
        "Lambda (duration + requests)": n * (lambda_gb_s * LAMBDA_ARM_GB_S + requests * LAMBDA_REQUEST),
        "API Gateway WebSocket": n * ((TURNS + PINGS + TURNS * FRAMES_PER_TURN + PINGS) * WS_MESSAGE
                                     + 5 * WS_CONNECTION_MINUTE),
        "HTTP API (token + preflight)": n * 2 * HTTP_API_REQUEST,
        "DynamoDB on-demand": n * (WRITE_UNITS * DDB_WRITE_UNIT + READ_UNITS * DDB_READ_UNIT),
        "Retrieval (query embedding + S3 Vectors)": n * TURNS * (30 * TITAN_V2_TOKEN + S3_VECTORS_QUERY),
        "CloudWatch Logs": n * LOG_BYTES / 1e9 * LOGS_INGEST_GB,
    }


def show(title: str, items: dict[str, float]) -> float:
    print(title)
    for k, v in items.items():
        print(f"  {k:<44} ${v:8.3f}")
    total = sum(items.values())
    print(f"  {'total':<44} ${total:8.3f}")
    return total


if __name__ == "__main__":
    show("Idle, per month", idle())
    costs = per_thousand()
    total = show("Per 1,000 conversations", costs)
    print(f"  {'of which not model tokens':<44} ${total - costs['Bedrock Haiku 4.5 tokens']:8.3f}")

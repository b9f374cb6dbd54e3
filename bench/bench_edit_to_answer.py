"""A writer's edit -> answered from the new text: the delay, over 10 edits, with production's intervals.

Runs the production composition of Drive push (tests/integration/kb_sync/push_stack.py): Drive double ->
notification -> fn-drive-notify -> fn-kb-sync (incremental sync, index version published) -> the
answerer's index, which checks for a new version every 30 s as fn-answerer does. Each edit comes at a
random moment of that 30 s cycle (as a writer's would); the question is then asked every 50 ms until
the answer carries the new price. Prints each delay and the median; asserts nothing. About 5 minutes.

    python bench/bench_edit_to_answer.py [--edits 10] [--check-every 30]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

from tests.doubles.kb_sync.drive import DriveDouble  # noqa: E402
from tests.doubles.kb_sync.keys import service_account_key  # noqa: E402
from tests.doubles.kb_sync.oauth import GOOGLE_TOKEN_URI, OAuthDouble  # noqa: E402
from tests.integration.kb_sync.push_stack import AWS_KEYS, REGION, push_stack  # noqa: E402

QUESTION = "How much does standard shipping cost?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--check-every", type=float, default=30.0)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    moto_url = f"http://{host}:{port}"
    oauth = OAuthDouble()
    oauth.server.start()
    drive = DriveDouble(oauth.is_valid)
    drive.server.start()
    info, public = service_account_key(GOOGLE_TOKEN_URI)
    oauth.trust(info["client_email"], public)
    with tempfile.TemporaryDirectory() as tmp:
        key_file = Path(tmp) / "key.json"
        key_file.write_text(json.dumps(info))
        bucket = f"bench-{uuid.uuid4().hex[:10]}"
        boto3.client("s3", endpoint_url=moto_url, **AWS_KEYS).create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        try:
            with push_stack(drive, oauth, moto_url, bucket, key_file, check_every=args.check_every) as push:
                push.live.refresh(force=True)
                delays = []
                rng = random.Random(7)
                for i in range(args.edits):
                    time.sleep(rng.uniform(0, args.check_every))  # a writer does not wait for our cycle
                    price = f"${11 + i}"
                    start = time.monotonic()
                    drive.edit_doc(push.ids["Rates"], f"# Rates\n\nStandard shipping costs {price} per parcel.")
                    delays.append(push.wait_for(QUESTION, price, timeout=args.check_every + 60))
                    print(f"edit {i + 1}: answered from the new text after {time.monotonic() - start:.1f} s",
                          flush=True)
                syncs = len([c for c in push.lam.calls if c.get("trigger") == "drive"])
                print(f"median {statistics.median(delays):.1f} s, min {min(delays):.1f} s, max {max(delays):.1f} s "
                      f"over {len(delays)} edits ({syncs} syncs started by notifications; "
                      f"answerer checks every {args.check_every:.0f} s)")
        finally:
            drive.server.stop()
            oauth.server.stop()
            moto.stop()


if __name__ == "__main__":
    main()

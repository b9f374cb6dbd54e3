#!/bin/sh
# The kb_sync property test, 20 runs in a row with 200 examples each (about 20 minutes on 2 cores).
# Prints one line per run and the first failure in full; exits non-zero on any failure.
set -e
cd "$(dirname "$0")/.."
runs=${RUNS:-20}
i=1
while [ "$i" -le "$runs" ]; do
  start=$(date +%s)
  KB_SYNC_PROPERTY_EXAMPLES=${EXAMPLES:-200} .venv/bin/python -m pytest -q -p no:cacheprovider \
    tests/integration/kb_sync/test_kb_sync_property.py > /tmp/kb_sync_soak.$$ 2>&1 || { cat /tmp/kb_sync_soak.$$; exit 1; }
  echo "run $i/$runs: passed in $(( $(date +%s) - start )) s"
  i=$((i + 1))
done
rm -f /tmp/kb_sync_soak.$$

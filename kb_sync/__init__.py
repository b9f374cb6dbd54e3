"""Knowledge sync: a Google Drive folder (or a plain local folder) -> documents + Bedrock metadata
sidecars in S3 ``kb/`` (or a local docs folder) -> a knowledge-base ingestion job (or the local index).

Entry points: ``handlers/kb_sync.py`` (the scheduled Lambda), ``python -m kb_sync`` (manual run) and
``kb_sync.local_folder.sync_folder`` (``assistant sync --from DIR``). ``engine`` decides and records;
``plan`` holds the pure rules; sources, sinks and publishers are adapters behind ``ports``.
"""

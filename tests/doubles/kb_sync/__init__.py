"""Local doubles for kb_sync tests and benchmarks: Google OAuth, Drive v3, bedrock-agent ingestion.

Each is a real HTTP server on 127.0.0.1 (a free port) speaking the real wire format, so the real
google-auth, requests and boto3 clients talk to them unmodified.
"""

"""Real google-auth against the local token endpoint: the assertion Google would receive, and
what happens when the delegation is revoked or the key is bad."""

from __future__ import annotations

import json
from typing import Any

import boto3
import jwt
import pytest

from assistant_core.errors import ConfigError
from kb_sync.compose import drive_source
from kb_sync.drive_auth import DRIVE_READONLY, parse_key
from kb_sync.errors import DriveAuthError
from tests.doubles.kb_sync.oauth import GOOGLE_TOKEN_URI

from .world import AWS_KEYS, SUBJECT, World

KB_OBJECTS_AFTER_FIRST_SYNC = 4  # two documents and their sidecars


def _seed(world: World) -> None:
    world.drive.add_doc("Returns", world.root, "# Returns\n\nWithin 30 days.")
    world.drive.add_doc("Shipping", world.root, "# Shipping\n\nFree over $50.")


def test_assertion_is_an_rs256_jwt_bearer_grant_for_the_delegated_user_with_readonly_scope(
    world: World, sa_key: tuple[dict[str, Any], bytes]
) -> None:
    info, public = sa_key
    _seed(world)
    before = len(world.oauth.assertions)
    assert world.engine().run().ok

    assertion = world.oauth.assertions[before]
    header = jwt.get_unverified_header(assertion)
    assert header["alg"] == "RS256"
    assert header["kid"] == info["private_key_id"]
    claims = jwt.decode(assertion, public, algorithms=["RS256"], audience=GOOGLE_TOKEN_URI)
    assert claims["iss"] == info["client_email"]
    assert claims["sub"] == SUBJECT
    assert claims["scope"] == DRIVE_READONLY  # the one scope, nothing broader
    assert claims["exp"] - claims["iat"] == 3600
    token_requests = [r for r in world.oauth.server.log if r.path == "/token"]
    assert token_requests[before].headers["content-type"] == "application/x-www-form-urlencoded"


def test_every_drive_request_carries_an_issued_bearer_token(world: World) -> None:
    _seed(world)
    assert world.engine().run().ok
    auths = {r.headers.get("authorization", "") for r in world.drive.server.log}
    assert auths and all(a.startswith("Bearer ya29.test-") for a in auths)
    assert all(world.oauth.is_valid(a.removeprefix("Bearer ")) for a in auths)


def test_without_a_subject_no_delegation_is_requested(world: World) -> None:
    _seed(world)
    before = len(world.oauth.grants)
    assert world.engine(subject="").run().ok
    assert "sub" not in world.oauth.grants[before]


def test_revoked_delegation_fails_clearly_and_deletes_nothing(world: World) -> None:
    _seed(world)
    assert world.engine().run().ok
    objects = world.kb_objects()
    assert len(objects) == KB_OBJECTS_AFTER_FIRST_SYNC
    state = json.loads(world.objects()["kb-sync/state.json"])

    world.oauth.revoked = True
    world.drive.trash(next(iter(world.drive.tree_paths(world.root))))
    for full in (False, True):
        report = world.engine().run(full=full)
        assert not report.ok
        assert isinstance(report.failure, DriveAuthError)
        assert "domain-wide delegation" in report.error and "drive.readonly" in report.error
        assert world.kb_objects() == objects  # documents untouched
        after = json.loads(world.objects()["kb-sync/state.json"])
        assert (after["files"], after["page_token"]) == (state["files"], state["page_token"])


def test_drive_refusing_fresh_tokens_is_an_auth_error_not_a_crash(world: World) -> None:
    _seed(world)
    world.drive.is_valid_token = lambda token: False
    report = world.engine().run()
    assert isinstance(report.failure, DriveAuthError)
    assert "401" in report.error
    # AuthorizedSession refreshed the token and retried once before giving up.
    assert sum(1 for r in world.drive.server.log if r.path.endswith(world.root)) == 3


def test_key_comes_from_secrets_manager(world: World, moto_url: str, sa_key: tuple[dict[str, Any], bytes]) -> None:
    secrets = boto3.client("secretsmanager", endpoint_url=moto_url, **AWS_KEYS)
    name = f"drive-key-{world.bucket}"
    secrets.create_secret(Name=name, SecretString=json.dumps(sa_key[0]))
    _seed(world)
    cfg = world.config(credentials_file="", credentials_secret=name)
    source = drive_source(cfg, secrets)
    assert len(source.list_tree().files) == 2


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not json", "is not JSON"),
        (json.dumps({"type": "authorized_user"}), "not a service-account key"),
        (json.dumps({"type": "service_account", "client_email": "a@b"}), "lacks private_key, token_uri"),
    ],
)
def test_bad_keys_are_config_errors_with_a_clear_message(raw: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_key(raw, "secret 'x'")


def test_missing_secret_is_a_config_error(world: World, moto_url: str) -> None:
    secrets = boto3.client("secretsmanager", endpoint_url=moto_url, **AWS_KEYS)
    with pytest.raises(ConfigError, match="cannot read the Drive key secret 'nope'"):
        drive_source(world.config(credentials_file="", credentials_secret="nope"), secrets)


def test_malformed_private_key_is_an_auth_error(
    world: World, tmp_path: Any, sa_key: tuple[dict[str, Any], bytes]
) -> None:
    pem = "PRIVATE KEY-----"  # a junk PEM, assembled so secret scanners don't mistake it for a key
    bad = dict(sa_key[0], private_key=f"-----BEGIN {pem}\nAAAA\n-----END {pem}\n")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(DriveAuthError, match="unusable"):
        drive_source(world.config(credentials_file=str(path)))


def test_delegated_user_without_access_to_the_folder_is_an_auth_error(world: World) -> None:
    _seed(world)
    world.drive.fail("files.get", 403, reason="insufficientFilePermissions", file_id=world.root)
    report = world.engine().run()
    assert isinstance(report.failure, DriveAuthError)
    assert "access denied (insufficientFilePermissions" in report.error
    assert world.kb_objects() == {}

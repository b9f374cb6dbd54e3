"""Retries against the Drive double: 429 with Retry-After, 5xx with backoff, and when to give up."""

from __future__ import annotations

import email.utils
import time

import pytest

from kb_sync.compose import drive_source
from kb_sync.drive_http import DriveHttp
from kb_sync.errors import DriveApiError, DriveUnavailable, FileSkipped

from .world import World

FILES = "/drive/v3/files"


def _http(world: World, **kw: float) -> DriveHttp:
    http = drive_source(world.config(), sleep=world.sleeps.append).http
    http.jitter = lambda: 1.0  # no randomness: delay = base * 2**attempt
    for name, value in kw.items():
        setattr(http, name, value)
    return http


def test_429_waits_exactly_retry_after_then_succeeds(world: World) -> None:
    world.drive.fail("files.list", 429, retry_after="7")
    data = _http(world).get_json(FILES, {"q": f"'{world.root}' in parents"})
    assert data["files"] == []
    assert world.sleeps == [7.0]
    assert world.drive.calls["files.list"] == 2


def test_retry_after_as_http_date(world: World) -> None:
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    world.drive.fail("files.list", 429, retry_after=when)
    _http(world).get_json(FILES, {})
    assert len(world.sleeps) == 1 and 3.0 <= world.sleeps[0] <= 5.0


def test_5xx_backs_off_exponentially(world: World) -> None:
    world.drive.fail("files.list", 503, times=2)
    world.drive.fail("files.list", 500, times=1)
    _http(world, base_delay=1.0).get_json(FILES, {})
    assert world.sleeps == [1.0, 2.0, 4.0]
    assert world.drive.calls["files.list"] == 4


def test_rate_limit_signalled_as_403_is_retried(world: World) -> None:
    world.drive.fail("files.list", 403, reason="userRateLimitExceeded")
    _http(world).get_json(FILES, {})
    assert len(world.sleeps) == 1


def test_gives_up_after_max_attempts_with_drive_unavailable(world: World) -> None:
    world.drive.fail("files.list", 500, times=100)
    http = _http(world, max_attempts=4)
    with pytest.raises(DriveUnavailable, match="still failing after 4 attempts"):
        http.get_json(FILES, {})
    assert world.drive.calls["files.list"] == 4
    assert http.requests_made == 4
    assert len(world.sleeps) == 3


def test_retry_after_longer_than_a_tick_gives_up_at_once(world: World) -> None:
    world.drive.fail("files.list", 429, retry_after="3600")
    with pytest.raises(DriveUnavailable, match="wait 3600s"):
        _http(world).get_json(FILES, {})
    assert world.sleeps == []


def test_client_errors_are_not_retried(world: World) -> None:
    with pytest.raises(DriveApiError) as info:
        _http(world).get_json(f"{FILES}/nope", {"fields": "id"})
    assert (info.value.status, info.value.reason) == (404, "notFound")
    assert world.drive.calls["files.get"] == 1
    assert world.sleeps == []


def test_bad_query_is_a_400_from_the_double(world: World) -> None:
    with pytest.raises(DriveApiError) as info:
        _http(world).get_json(FILES, {"q": "'x' in owners"})
    assert info.value.status == 400


def test_download_over_the_limit_is_refused_while_streaming(world: World) -> None:
    fid = world.drive.add_file("big.txt", world.root, "text/plain", b"x" * 300_000)
    with pytest.raises(FileSkipped, match="larger than"):
        _http(world).get_bytes(f"{FILES}/{fid}", {"alt": "media"}, limit=100_000)

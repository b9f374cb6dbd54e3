"""Drive push: the watch channel kb_sync keeps open, how a notification is checked, and how a burst of
notifications becomes one sync.

``WatchKeeper.ensure`` (run by every fn-kb-sync tick, so the 5-minute schedule is also the renewal
schedule and the polling fallback) opens a ``changes.watch`` channel to fn-drive-notify's URL and
replaces it a day before it expires (Drive keeps a changes channel for about a week). The channel's
id and random token are saved *before* the channel is opened, so even its first notification verifies;
the replaced channel stays accepted as ``previous`` while its last notifications are in flight.

``check_notification`` is fn-drive-notify's whole decision: the channel id and token must be ours
(compared in constant time) or it is an ``AuthError``; ``sync`` (a channel's first message) needs
nothing; anything else means "Drive changed".

A burst of notifications becomes one sync through ``SyncRequests`` (``sync_requests.py``).
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Protocol

from assistant_core.errors import AssistantError, AuthError, BadInput, NotFound
from assistant_core.ports import Clock
from assistant_core.retrieval.ports import BlobStore

log = logging.getLogger(__name__)

WATCH_KEY = "watch.json"
LIFETIME = timedelta(days=6)
RENEW_BEFORE = timedelta(days=1)
REREAD_AFTER_S = 5.0


@dataclass(frozen=True)
class Channel:
    id: str
    token: str
    address: str
    resource_id: str = ""
    expires_at: float = 0.0  # epoch seconds


@dataclass(frozen=True)
class Watch:
    current: Channel | None = None
    previous: Channel | None = None  # replaced; its in-flight notifications still verify

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Watch:
        try:
            data = json.loads(raw.decode("utf-8"))
            return cls(**{k: Channel(**v) if v else None for k, v in data.items()})
        except (ValueError, TypeError, AttributeError) as e:
            raise BadInput(f"unreadable {WATCH_KEY}: {e}") from e


class ChannelSource(Protocol):
    """The Drive calls a watch needs (``DriveSource``)."""

    def watch(self, channel_id: str, token: str, address: str, expiration_ms: int) -> tuple[str, float]:
        """Opens a changes channel; returns its resource id and expiry (epoch seconds)."""
        ...

    def stop_channel(self, channel_id: str, resource_id: str) -> None: ...


class WatchStore:
    """The watch record as one small object (``kb-sync/watch.json``), read by fn-drive-notify."""

    def __init__(self, store: BlobStore, key: str = WATCH_KEY) -> None:
        self.store = store
        self.key = key

    def load(self) -> Watch:
        try:
            blob = self.store.get(self.key)
        except NotFound:
            return Watch()
        assert blob is not None
        return Watch.from_json(blob.body)

    def save(self, watch: Watch) -> None:
        self.store.put(self.key, watch.to_json(), "application/json")


def check_notification(headers: Mapping[str, str], watch: Watch) -> str:
    """The notification's resource state (``sync``, ``change``...) once it is verified as ours."""
    h = {k.lower(): v for k, v in headers.items()}
    channel_id, token = h.get("x-goog-channel-id", ""), h.get("x-goog-channel-token", "")
    for channel in (watch.current, watch.previous):
        if channel is not None and hmac.compare_digest(channel.id.encode(), channel_id.encode()):
            if hmac.compare_digest(channel.token.encode(), token.encode()):
                return h.get("x-goog-resource-state", "")
            raise AuthError("Drive notification with a wrong channel token")
    raise AuthError("Drive notification for an unknown channel")


class WatchKeeper:
    def __init__(
        self, channels: ChannelSource, store: WatchStore, address: str, clock: Clock, *,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
        new_token: Callable[[], str] = lambda: secrets.token_urlsafe(32),
    ) -> None:
        self.channels = channels
        self.store = store
        self.address = address
        self.clock = clock
        self.new_id = new_id
        self.new_token = new_token

    def ensure(self) -> str:
        """``kept``, or ``renewed`` after opening a new channel (and stopping the one it replaces)."""
        watch = self.store.load()
        current, now = watch.current, self.clock.time()
        if (current is not None and current.address == self.address and current.resource_id
                and current.expires_at - now > RENEW_BEFORE.total_seconds()):
            return "kept"
        opening = Channel(self.new_id(), self.new_token(), self.address)
        self.store.save(Watch(opening, current))  # before opening: its first notification must verify
        expires_ms = int((now + LIFETIME.total_seconds()) * 1000)
        resource_id, expires_at = self.channels.watch(opening.id, opening.token, self.address, expires_ms)
        self.store.save(Watch(Channel(opening.id, opening.token, self.address, resource_id, expires_at), current))
        if current is not None and current.resource_id:
            try:
                self.channels.stop_channel(current.id, current.resource_id)
            except AssistantError as e:  # it expires on its own; its notifications still verify meanwhile
                log.warning("kb_sync: could not stop the replaced Drive channel %s: %s", current.id, e)
        log.info("kb_sync: Drive watch channel %s open until %s", opening.id, expires_at)
        return "renewed"


class SyncRequester(Protocol):
    def request(self) -> bool: ...


class NotificationReceiver:
    """fn-drive-notify's work: verify, then at most one sync per burst. Fast: one cached read, one write."""

    def __init__(self, store: WatchStore, requests: SyncRequester, start_sync: Callable[[], None], clock: Clock,
                 *, cache_s: float = 60.0) -> None:
        self.store = store
        self.requests = requests
        self.start_sync = start_sync
        self.clock = clock
        self.cache_s = cache_s
        self._watch: Watch | None = None
        self._read_at = 0.0

    def receive(self, headers: Mapping[str, str]) -> str:
        """``ignored`` (a channel's ``sync``), ``started`` or ``coalesced``; ``AuthError`` if not ours."""
        try:
            state = check_notification(headers, self._cached())
        except AuthError:
            # A channel opened since the cached read (renewal) is unknown to the cache: read once more,
            # at most every few seconds, so forged requests cannot turn into a read each.
            if self.clock.monotonic() - self._read_at < REREAD_AFTER_S:
                raise
            state = check_notification(headers, self._cached(fresh=True))
        if state == "sync":
            return "ignored"
        if not self.requests.request():
            return "coalesced"
        self.start_sync()
        return "started"

    def _cached(self, *, fresh: bool = False) -> Watch:
        now = self.clock.monotonic()
        if self._watch is None or fresh or now - self._read_at > self.cache_s:
            self._watch, self._read_at = self.store.load(), now
        return self._watch

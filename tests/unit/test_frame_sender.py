"""FrameSender: order kept, queued deltas merged, a gone visitor stops the turn once, stop drops."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import pytest

from assistant_core.answering.frame_sender import FrameSender
from assistant_core.conversation import frames
from assistant_core.errors import ConnectionGone


class GatedPoster:
    """Holds every post until ``release`` is set, so frames pile up behind the first one."""

    def __init__(self, gone_after: int | None = None) -> None:
        self.frames: list[dict[str, Any]] = []
        self.release = threading.Event()
        self.gone_after = gone_after

    def post(self, connection_id: str, frame: Mapping[str, Any]) -> None:
        self.release.wait(5)
        if self.gone_after is not None and len(self.frames) >= self.gone_after:
            raise ConnectionGone(connection_id)
        self.frames.append(dict(frame))


def test_deltas_queued_behind_a_slow_post_leave_as_one_frame_in_order() -> None:
    poster = GatedPoster()
    sender = FrameSender(poster, "c1")
    sender.emit(frames.delta("t1", "Hello"))
    for word in (" there", ", how", " are"):
        sender.emit(frames.delta("t1", word))
    sender.emit(frames.answer("t1", "Hello there, how are you?", []))
    poster.release.set()
    sender.close()
    texts = "".join(f["text"] for f in poster.frames if f["type"] == "delta")
    assert texts == "Hello there, how are" and poster.frames[-1]["type"] == "answer"
    assert len(poster.frames) <= 3 and sender.posted == len(poster.frames) and not sender.gone


def test_a_gone_visitor_raises_once_then_frames_drop_quietly() -> None:
    poster = GatedPoster(gone_after=0)
    poster.release.set()
    sender = FrameSender(poster, "c1")
    sender.emit(frames.delta("t1", "a"))
    sender.close()
    assert sender.gone
    with pytest.raises(ConnectionGone):
        sender.emit(frames.delta("t1", "b"))
    sender.emit(frames.retract("t1"))  # the gate's closing frames: dropped, not raised
    assert poster.frames == []


def test_drop_sends_nothing_more() -> None:
    poster = GatedPoster()
    sender = FrameSender(poster, "c1")
    sender.emit(frames.delta("t1", "first"))
    sender.emit(frames.delta("t2", "other turn"))  # never merged across turns
    sender.drop()
    sender.emit(frames.answer("t1", "late", []))
    poster.release.set()
    sender.close()
    assert [f["type"] for f in poster.frames] in ([], ["delta"])


def test_merging_stops_at_turn_and_size_boundaries() -> None:
    poster = GatedPoster()
    sender = FrameSender(poster, "c1")
    sender.emit(frames.delta("t1", "x"))
    sender.emit(frames.delta("t1", "y" * 3000))
    sender.emit(frames.delta("t1", "z" * 3000))
    sender.emit(frames.delta("t2", "w"))
    poster.release.set()
    sender.close()
    assert "".join(f["text"] for f in poster.frames) == "x" + "y" * 3000 + "z" * 3000 + "w"
    assert all(len(f["text"]) <= 4000 for f in poster.frames) and poster.frames[-1] == frames.delta("t2", "w")

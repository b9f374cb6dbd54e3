"""A turn's frames, posted in order by one background thread.

Reading the model stream never waits for PostToConnection (10–20 ms a call in production, more
under load): frames queue here, and deltas that pile up while a post is in flight leave as one
frame. A fast model therefore costs fewer posts, and a slow poster never slows the model.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

from assistant_core.answering.ports import Poster
from assistant_core.conversation.frames import Frame
from assistant_core.errors import ConnectionGone

log = logging.getLogger(__name__)
MAX_MERGED_CHARS = 4000  # far below the 32 KB frame limit even in 4-byte characters


class FrameSender:
    def __init__(self, poster: Poster, connection_id: str) -> None:
        self._poster = poster
        self._connection_id = connection_id
        self._queue: deque[Frame] = deque()
        self._cv = threading.Condition()
        self._closed = False
        self.gone = False  # the visitor left or pressed stop: frames are dropped from then on
        self._told = False
        self.posted = 0
        self._thread = threading.Thread(target=self._run, name="frames", daemon=True)
        self._thread.start()

    def emit(self, frame: Frame) -> None:
        """Queue a frame. Once a post has found the visitor gone, the next call raises
        ``ConnectionGone`` (so the caller stops reading the model) and later ones drop quietly."""
        with self._cv:
            if self.gone:
                if not self._told:
                    self._told = True
                    raise ConnectionGone(self._connection_id)
                return
            self._queue.append(frame)
            self._cv.notify()

    def drop(self) -> None:
        """Send nothing more (the visitor pressed stop)."""
        with self._cv:
            self.gone = self._told = True
            self._queue.clear()
            self._cv.notify()

    def close(self, timeout: float = 30.0) -> None:
        """Wait until every queued frame is posted (or dropped)."""
        with self._cv:
            self._closed = True
            self._cv.notify()
        self._thread.join(timeout)
        if self._thread.is_alive():  # a hung post: treat the visitor as gone rather than hang the turn
            log.error("frames to %s still posting after %.0f s", self._connection_id, timeout)
            self.drop()

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._queue and not self._closed:
                    self._cv.wait()
                if not self._queue:
                    return
                frame = _next_frame(self._queue)
            try:
                self._poster.post(self._connection_id, frame)
                self.posted += 1
            except Exception as e:  # ConnectionGone, or an adapter bug: either way nobody hears us
                if not isinstance(e, ConnectionGone):
                    log.exception("posting to %s failed", self._connection_id)
                with self._cv:
                    self.gone = True
                    self._queue.clear()
                return


def _next_frame(queue: deque[Frame]) -> Frame:
    """Pop the first frame; a delta absorbs the deltas of the same turn queued right behind it."""
    frame = queue.popleft()
    if frame.get("type") != "delta":
        return frame
    parts = [frame["text"]]
    size = len(frame["text"])
    while queue and queue[0].get("type") == "delta" and queue[0].get("turn") == frame["turn"]:
        if size + len(queue[0]["text"]) > MAX_MERGED_CHARS:
            break
        size += len(queue[0]["text"])
        parts.append(queue.popleft()["text"])
    return {**frame, "text": "".join(parts)} if len(parts) > 1 else frame

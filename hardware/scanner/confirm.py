"""The misdecode guard: a text from a retry or a fallback reader counts only once it is confirmed.

A QR symbol's Reed-Solomon check can be fooled: on a blurred, sharpened or contrast-stretched
copy of a damaged symbol, a decoder now and then "corrects" a codeword into the wrong one and
returns a text with a character changed (issue 14: a retry returned the right text with one
word changed where zxing-cpp read nothing). The first pass of the cascade (zxing-cpp on the frame
as the camera gave it) is trusted as zxing-cpp is; every later pass is not. Its text is accepted
when either
- the ``validator`` accepts it (the lane passes "parses as a pickup code" from the composition
  root: hardware/ cannot import the controller's parser), or
- two independent passes read the same text: passes that differ in the reader, in the prepared
  version of the image or in the region they read. A wrong correction is specific to the exact
  pixels and decoder it came from, so two different passes almost never agree on the same wrong
  text, while a right text is what every pass that succeeds reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Sequence

log = logging.getLogger(__name__)

# Says whether a text is one this system issues (e.g. a well-formed pickup code); never raises.
Validator = Callable[[str], bool]


class Confirmation:
    """The texts a frame's retry passes read so far, and which of them are confirmed.

    One per frame (it keeps the frame's texts, which may be secrets, only while the frame is
    being decoded). ``offer`` records one pass and returns the texts that are now confirmed.
    """

    def __init__(self, validator: Validator | None = None, *, agreeing_passes: int = 2):
        if agreeing_passes < 1:
            raise ValueError("agreeing_passes must be >= 1")
        self.validator = validator
        self.agreeing_passes = agreeing_passes
        self._seen: dict[str, set[Hashable]] = {}

    def offer(self, texts: Sequence[str], source: Hashable) -> list[str]:
        """Record that the pass ``source`` read ``texts``; return those confirmed, in order."""
        confirmed = []
        for text in dict.fromkeys(texts):
            if not text:
                continue
            if self._valid(text):
                confirmed.append(text)
                continue
            sources = self._seen.setdefault(text, set())
            sources.add(source)
            if len(sources) >= self.agreeing_passes:
                confirmed.append(text)
        return confirmed

    @property
    def unconfirmed(self) -> int:
        """How many distinct texts were read by too few passes (the rejected candidates so far)."""
        return sum(1 for sources in self._seen.values() if len(sources) < self.agreeing_passes)

    def _valid(self, text: str) -> bool:
        if self.validator is None:
            return False
        try:
            return bool(self.validator(text))
        except Exception:  # a validator is advice; a broken one must not stop the camera loop
            log.exception("text validator failed; falling back to agreement")
            return False

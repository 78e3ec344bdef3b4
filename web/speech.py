"""The lane's spoken prompts (issue 15): one WAV per clip and language, made at install time by
espeak-ng from the lane screen's texts, served as static files and played by the lane screen.

``ambil speech build`` (``web/cli/speech.py``, called by ``setup.sh`` when ``lane.speech`` is on)
renders them into ``web/static/speech/<lang>/<clip>.wav`` (a clip: a state or an error key, see
web/i18n/speech.py): they follow the code and its catalogs, not the lane's state, and the static
mount already serves them. Off by default; a missing clip or a missing espeak-ng is one clear log
line, and the lane then works silently.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from controller.lane.screen import LaneState
from web.i18n import LANGUAGES
from web.i18n.speech import FAULT_KEYS, reason_clips, spoken_text

log = logging.getLogger(__name__)

CLIPS_DIR = Path(__file__).parent / "static" / "speech"
# a view with a reason speaks that reason or its fault class (web/i18n/speech.py), so the two
# states that always have one have no clip of their own
CLIPS = (
    *(s.value for s in LaneState if s not in (LaneState.REFUSED, LaneState.PROBLEM)),
    *reason_clips(),
    *FAULT_KEYS,
)
# espeak-ng's voices: Indonesian is `id` (Debian's espeak-ng-data has it), English `en`
VOICES = {"id": "id", "en": "en"}
WORDS_PER_MINUTE = 150  # a little slower than espeak-ng's 175: heard through a car window
TIMEOUT_SECONDS = 60


class SpeechError(Exception):
    """No clips can be made (espeak-ng missing or failing); the message says what to do."""


def clip_path(directory: Path, lang: str, clip: str) -> Path:
    """Where the clip of ``clip`` in ``lang`` lies under ``directory``."""
    return directory / lang / f"{clip}.wav"


def build_clips(directory: Path = CLIPS_DIR, espeak: str | None = None) -> list[Path]:
    """Render every clip in every language into ``directory`` (each replaced atomically, so a
    screen never fetches half a file); returns the files written. Raises ``SpeechError``."""
    program = espeak or shutil.which("espeak-ng")
    if not program:
        raise SpeechError("espeak-ng is not installed (apt-get install espeak-ng): no speech clips made")
    written = []
    for lang in LANGUAGES:
        for clip in CLIPS:
            text = spoken_text(lang, clip)
            if not text:
                continue
            path = clip_path(directory, lang, clip)
            path.parent.mkdir(parents=True, exist_ok=True)
            _render(program, VOICES[lang], text, path)
            written.append(path)
    return written


def _render(program: str, voice: str, text: str, path: Path) -> None:
    partial = path.with_suffix(".wav.part")
    command = [program, "-v", voice, "-s", str(WORDS_PER_MINUTE), "-w", str(partial), "--stdin"]
    try:
        done = subprocess.run(
            command, input=text, text=True, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        partial.unlink(missing_ok=True)
        raise SpeechError(f"espeak-ng could not run ({exc}): no clip {path}") from None
    if done.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        why = done.stderr.strip() or f"exit status {done.returncode}"
        raise SpeechError(f"espeak-ng failed for voice {voice!r} ({why}): no clip {path}")
    partial.replace(path)


def missing_clips(directory: Path = CLIPS_DIR) -> list[str]:
    """``lang/clip`` of every clip that should be there and is not."""
    return [
        f"{lang}/{clip}"
        for lang in LANGUAGES
        for clip in CLIPS
        if spoken_text(lang, clip) and not clip_path(directory, lang, clip).is_file()
    ]


def warn_if_missing(directory: Path = CLIPS_DIR) -> list[str]:
    """Log one WARNING when clips are missing (the lane then plays none of those); returns them."""
    missing = missing_clips(directory)
    if missing:
        log.warning(
            "lane.speech is on but %d speech clip(s) are missing in %s (%s): run `ambil speech build`;"
            " the lane stays silent for those",
            len(missing),
            directory,
            ", ".join(missing[:4]) + (", ..." if len(missing) > 4 else ""),
        )
    return missing

"""``ambil speech build`` and ``ambil speech enabled``: the lane's spoken prompts (web/speech.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from web.cli.commands import load_or_exit
from web.speech import CLIPS_DIR, SpeechError, build_clips


def register(sub) -> None:
    """Add the ``speech`` sub-commands to the ``ambil`` parser."""
    speech = sub.add_parser("speech", help="the lane's spoken prompts (lane.speech)")
    speech_sub = speech.add_subparsers(dest="speech_command", required=True)
    build = speech_sub.add_parser("build", help="make one WAV per lane state and language with espeak-ng")
    build.add_argument("--config", "-c", help="TOML config file")
    build.add_argument("--out", help=f"where to write the clips (default {CLIPS_DIR})")
    build.add_argument(
        "--if-enabled", action="store_true", help="do nothing unless the config has lane.speech = true"
    )
    build.set_defaults(func=speech_build)
    enabled = speech_sub.add_parser("enabled", help="exit 0 when the config has lane.speech = true, else 1")
    enabled.add_argument("--config", "-c", help="TOML config file")
    enabled.set_defaults(func=speech_enabled)


def speech_build(args) -> int:
    config = load_or_exit(args.config)
    if args.if_enabled and not config.lane.speech:
        print("lane.speech is off: no speech clips made")
        return 0
    out = Path(args.out) if args.out else CLIPS_DIR
    try:
        written = build_clips(out)
    except SpeechError as exc:
        print(f"speech: {exc}; the lane works silently", file=sys.stderr)
        return 1
    print(f"{len(written)} speech clips in {out}")
    return 0


def speech_enabled(args) -> int:
    return 0 if load_or_exit(args.config).lane.speech else 1

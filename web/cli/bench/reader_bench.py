"""``ambil bench reader DIR...``: ambil's QR reader against the raw decoders, side by side.

Two image sets, every reader on every image in the same run, on one thread:
- corpus folders laid out like ``tests/data/qr-corpus`` (a folder per category; each image beside
  a ``.txt`` with its expected text; a part of a structured-append message, ``01-02.png``, is
  read correctly when its text is a substring of ``01.txt``);
- synthetic 1280x720 lane frames (``lane_frames.lane_frame_set``, fixed seed), decoded in
  grayscale as the camera hands them over: half hold a pickup code, half hold none;
- with ``hard_frames``, the hard set of issue 14 (``hard_frames``), alike.
Per group and in total: images read correctly, wrong reads, median and p95 ms per image, and
ambil's time as a ratio of raw zxing-cpp's. Then the targets of issues 7 and 14
(``reader_targets``), each with by how much it was missed, if it was.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from pathlib import Path
from time import perf_counter

import cv2
import numpy as np

from hardware.scanner.decoder import load_image_file
from web.cli.bench.figures import Tally
from web.cli.bench.hard_frames import hard_frame_set
from web.cli.bench.lane_frames import LaneFrame, lane_frame_set
from web.cli.bench.raw_decoders import Decode, all_readers
from web.cli.bench.reader_targets import AMBIL, FASTEST_RAW, TOTAL, ratio_line, reader_targets

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}
HARD_SEED = 11
HARD_SET_READERS = (AMBIL, FASTEST_RAW, "wechat", "zxing+wechat")


# -- the corpus ------------------------------------------------------------------------------


def corpus_samples(dirs: Iterable[str | Path]) -> list[tuple[str, Path, str, bool]]:
    """(category, image, expected text, compare by substring) for every labelled image under ``dirs``.

    A directory holding images is a category; otherwise each of its sub-directories is one.
    """
    samples = []
    for root in (Path(d) for d in dirs):
        if not root.is_dir():
            raise FileNotFoundError(f"not a directory: {root}")
        folders = [root] if _images(root) else sorted(p for p in root.iterdir() if p.is_dir())
        for folder in folders:
            for image in _images(folder):
                expected = _expected(image)
                if expected is None:
                    log.warning("no expected text for %s; skipped", image)
                    continue
                samples.append((folder.name, image, *expected))
    return samples


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def _expected(image: Path) -> tuple[str, bool] | None:
    own = image.with_suffix(".txt")
    if own.is_file():
        return own.read_bytes().decode("utf-8"), False
    if "-" in image.stem:  # one part of a structured-append message: 01-03.png -> 01.txt
        whole = image.with_name(image.stem.rsplit("-", 1)[0] + ".txt")
        if whole.is_file():
            return whole.read_bytes().decode("utf-8"), True
    return None


def is_correct(texts: list[str], expected: str, *, substring: bool) -> bool:
    if substring:
        return any(text and text in expected for text in texts)
    return expected in texts


def bench_corpus(dirs: Iterable[str | Path], readers: dict[str, Decode]) -> dict[str, dict[str, dict]]:
    """reader -> category (and ``total``) -> figures (``Tally.row``)."""
    samples = corpus_samples(dirs)
    if not samples:
        raise ValueError("no labelled images found")
    tallies: dict[str, dict[str, Tally]] = {name: {} for name in readers}
    for turn, (category, path, expected, substring) in enumerate(samples):
        image = load_image_file(path)
        for name, decode in _in_turn(readers, turn):
            texts, seconds = _timed(decode, image)
            correct = is_correct(texts, expected, substring=substring)
            tallies[name].setdefault(category, Tally()).add(
                correct=correct, wrong=bool(texts) and not correct, seconds=seconds
            )
    return {name: _with_total(groups) for name, groups in tallies.items()}


# -- the synthetic lane frames ---------------------------------------------------------------


def bench_lane_frames(
    readers: dict[str, Decode], *, code_frames: int = 300, seed: int = 7
) -> dict[str, dict[str, dict]]:
    """reader -> variant (plus ``code``, ``empty`` and ``total``) -> figures, on the easy set."""
    return bench_frames(readers, lane_frame_set(code_frames, seed=seed))


def bench_hard_frames(
    readers: dict[str, Decode], *, code_frames: int = 300, seed: int = HARD_SEED
) -> dict[str, dict[str, dict]]:
    """The same figures on the hard set (``hard_frames``)."""
    return bench_frames(readers, hard_frame_set(code_frames, seed=seed))


def bench_frames(readers: dict[str, Decode], frames: Iterable[LaneFrame]) -> dict[str, dict[str, dict]]:
    """reader -> variant (plus ``code``, ``empty`` and ``total``) -> figures.

    For an empty frame any text is a wrong (false) read. Readers get the grayscale frame.
    """
    tallies: dict[str, dict[str, Tally]] = {name: {} for name in readers}
    for frame in frames:
        gray = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
        for name, decode in _in_turn(readers, frame.index):
            texts, seconds = _timed(decode, gray)
            correct = frame.expected is not None and texts == [frame.expected]
            tallies[name].setdefault(frame.variant, Tally()).add(
                correct=correct, wrong=bool(texts) and not correct, seconds=seconds
            )
    results = {}
    for name, groups in tallies.items():
        code, empty = Tally(), Tally()
        for variant, tally in groups.items():
            (empty if variant.startswith("empty") else code).merge(tally)
        rows = _with_total(groups)
        rows["code"], rows["empty"] = code.row(), empty.row()
        results[name] = rows
    return results


# -- running, targets, printing ----------------------------------------------------------------


def run_reader_bench(
    dirs: Iterable[str | Path],
    *,
    code_frames: int = 300,
    hard_frames: int = 0,
    seed: int = 7,
    hard_seed: int = HARD_SEED,
    readers: dict[str, Decode] | None = None,
    out=print,
) -> dict:
    """Run the sets with every reader; print the tables and the targets; return all figures.

    The hard set gets only the readers of issue 14's table (the others cost 25-45 ms a frame).
    """
    readers = readers or all_readers()
    hard_readers = {name: readers[name] for name in HARD_SET_READERS if name in readers} or readers
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # one thread, as issue 7 measures (and as the Pi's decode worker runs)
    try:
        dirs = list(dirs)
        corpus = bench_corpus(dirs, readers) if dirs else {}
        lane = bench_lane_frames(readers, code_frames=code_frames, seed=seed) if code_frames else {}
        hard = bench_hard_frames(hard_readers, code_frames=hard_frames, seed=hard_seed) if hard_frames else {}
    finally:
        cv2.setNumThreads(threads)
    targets = reader_targets(corpus, lane, hard)
    result = {
        "corpus": corpus,
        "lane_frames": lane,
        "hard_frames": hard,
        "targets": [t.as_dict() for t in targets],
    }
    if corpus:
        _print_table("corpus", corpus, out)
    if lane:
        _print_table(
            f"lane frames (1280x720, seed {seed}, {code_frames} with a code + {code_frames} without)",
            lane,
            out,
        )
    if hard:
        _print_table(
            f"hard lane frames (1280x720, seed {hard_seed}, {hard_frames} with a code"
            f" + {hard_frames} without)",
            hard,
            out,
        )
    for title, figures in (("corpus", corpus), ("lane frames", lane), ("hard lane frames", hard)):
        if AMBIL in figures and FASTEST_RAW in figures:
            out(ratio_line(title, figures))
    out("targets:")
    for target in targets:
        out("  " + target.line())
    return result


def _print_table(title: str, figures: dict[str, dict[str, dict]], out) -> None:
    groups = list(next(iter(figures.values())))
    names = list(figures)
    out(f"{title}: read/images, wrong, median ms, p95 ms")
    width = max(len(g) for g in groups) + 2
    out(" " * width + "".join(f"{name:>30}" for name in names))
    for group in groups:
        cells = []
        for name in names:
            row = figures[name].get(group)
            cells.append(
                f"{row['read']:>4}/{row['images']:<4} {row['wrong']:>2}w"
                + f" {row['median_ms']:>7.2f} {row['p95_ms']:>7.2f}"
                if row
                else ""
            )
        out(f"{group:<{width}}" + "".join(f"{cell:>30}" for cell in cells))


def _with_total(groups: dict[str, Tally]) -> dict[str, dict]:
    total = Tally()
    rows = {}
    for group in sorted(groups):
        total.merge(groups[group])
        rows[group] = groups[group].row()
    rows[TOTAL] = total.row()
    return rows


def _in_turn(readers: dict[str, Decode], turn: int) -> list[tuple[str, Decode]]:
    """The readers in an order drawn from ``turn``: no reader always runs first (cold cache) or
    always right after the same other one. A rotation did the first but not the second: each
    reader then nearly always followed the same neighbour, and the one after WeChat (25-200 ms of
    CNN work through the caches) was timed slower on every frame."""
    items = list(readers.items())
    random.Random(turn).shuffle(items)
    return items


def _timed(decode: Decode, image: np.ndarray) -> tuple[list[str], float]:
    start = perf_counter()
    try:
        texts = decode(image)
    except Exception:  # a reader that crashes on an image reads nothing there
        log.exception("reader failed on an image")
        texts = []
    return list(texts), perf_counter() - start

"""``ambil bench reader DIR...``: ambil's QR reader against the raw decoders, side by side.

Two image sets, every reader on every image in the same run, on one thread:
- corpus folders laid out like ``tests/data/qr-corpus`` (a folder per category; each image beside
  a ``.txt`` with its expected text; a part of a structured-append message, ``01-02.png``, is
  read correctly when its text is a substring of ``01.txt``);
- synthetic 1280x720 lane frames (``lane_frames.lane_frame_set``, fixed seed), decoded in
  grayscale as the camera hands them over: half hold a pickup code, half hold none.
Per group and in total: images read correctly, wrong reads, median and p95 ms per image.
Then issue 7's targets, each with by how much it was missed, if it was.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from time import perf_counter

import cv2
import numpy as np

from hardware.scanner.decoder import load_image_file
from web.cli.bench.figures import Tally, Target
from web.cli.bench.lane_frames import lane_frame_set
from web.cli.bench.raw_decoders import Decode, all_readers

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}
AMBIL = "ambil"
FASTEST_RAW = "zxing-cpp"
TOTAL = "total"


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
    """reader -> variant (plus ``code``, ``empty`` and ``total``) -> figures.

    For an empty frame any text is a wrong (false) read. Readers get the grayscale frame.
    """
    tallies: dict[str, dict[str, Tally]] = {name: {} for name in readers}
    for frame in lane_frame_set(code_frames, seed=seed):
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
    seed: int = 7,
    readers: dict[str, Decode] | None = None,
    out=print,
) -> dict:
    """Run both sets with every reader; print the tables and the targets; return all figures."""
    readers = readers or all_readers()
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # one thread, as issue 7 measures (and as the Pi's decode worker runs)
    try:
        dirs = list(dirs)
        corpus = bench_corpus(dirs, readers) if dirs else {}
        lane = bench_lane_frames(readers, code_frames=code_frames, seed=seed) if code_frames else {}
    finally:
        cv2.setNumThreads(threads)
    targets = reader_targets(corpus, lane)
    result = {"corpus": corpus, "lane_frames": lane, "targets": [t.as_dict() for t in targets]}
    if corpus:
        _print_table("corpus", corpus, out)
    if lane:
        _print_table(
            f"lane frames (1280x720, seed {seed}, {code_frames} with a code + {code_frames} without)",
            lane,
            out,
        )
    out("targets:")
    for target in targets:
        out("  " + target.line())
    return result


def reader_targets(corpus: dict, lane: dict) -> list[Target]:
    """Issue 7's reader targets over the figures of one run."""
    targets = []
    if AMBIL in corpus:
        mine = corpus[AMBIL]
        raw = {name: rows for name, rows in corpus.items() if name != AMBIL}
        for category in (c for c in mine if c != TOTAL):
            best = max((rows[category]["read"] for rows in raw.values()), default=0)
            targets.append(
                Target(f"corpus {category} read vs best raw decoder", mine[category]["read"], best, False)
            )
        targets.append(Target("corpus read overall", mine[TOTAL]["percent"], 95.0, False, "%"))
        targets.append(Target("corpus wrong reads", mine[TOTAL]["wrong"], 0, True))
    if AMBIL in lane:
        mine = lane[AMBIL]
        targets.append(Target("lane frames with a code read", mine["code"]["percent"], 99.0, False, "%"))
        targets.append(
            Target("lane frames false reads", mine["empty"]["wrong"] + mine["code"]["wrong"], 0, True)
        )
        if FASTEST_RAW in lane:
            base = lane[FASTEST_RAW][TOTAL]
            for key, limit in (("median_ms", 1.25), ("p95_ms", 2.0)):
                ratio = mine[TOTAL][key] / base[key] if base[key] > 0 else float("nan")
                targets.append(
                    Target(f"lane frames {key[:-3]} vs raw {FASTEST_RAW}", round(ratio, 2), limit, True, "x")
                )
    return targets


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
    """The readers, starting at a different one each image: no reader always gets the cold cache."""
    items = list(readers.items())
    start = turn % len(items)
    return items[start:] + items[:start]


def _timed(decode: Decode, image: np.ndarray) -> tuple[list[str], float]:
    start = perf_counter()
    try:
        texts = decode(image)
    except Exception:  # a reader that crashes on an image reads nothing there
        log.exception("reader failed on an image")
        texts = []
    return list(texts), perf_counter() - start

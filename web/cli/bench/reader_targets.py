"""The reader targets of issues 7 and 14 over the figures of one ``ambil bench reader`` run."""

from __future__ import annotations

from web.cli.bench.figures import Target

AMBIL = "ambil"
FASTEST_RAW = "zxing-cpp"
CASCADE = "zxing+wechat"
TOTAL = "total"
CORPUS_MIN_READ = 137  # of the 141 images of tests/data/qr-corpus (issue 14)


def reader_targets(corpus: dict, lane: dict, hard: dict | None = None) -> list[Target]:
    """Every target the figures allow checking (a set that was not run has none)."""
    return _corpus_targets(corpus) + _lane_targets(lane) + _hard_targets(hard or {})


def _corpus_targets(corpus: dict) -> list[Target]:
    if AMBIL not in corpus:
        return []
    mine = corpus[AMBIL]
    raw = {name: rows for name, rows in corpus.items() if name != AMBIL}
    targets = []
    for category in (c for c in mine if c != TOTAL):
        best = max((rows[category]["read"] for rows in raw.values()), default=0)
        targets.append(
            Target(f"corpus {category} read vs best raw decoder", mine[category]["read"], best, False)
        )
        if CASCADE in corpus:
            cascade = corpus[CASCADE][category]["read"]
            targets.append(
                Target(f"corpus {category} read vs {CASCADE}", mine[category]["read"], cascade, False)
            )
    targets.append(Target("corpus read overall", mine[TOTAL]["percent"], 95.0, False, "%"))
    if mine[TOTAL]["images"] == 141:  # the count target is for tests/data/qr-corpus itself
        targets.append(Target("corpus images read", mine[TOTAL]["read"], CORPUS_MIN_READ, False))
    targets.append(Target("corpus wrong reads", mine[TOTAL]["wrong"], 0, True))
    return targets


def _lane_targets(lane: dict) -> list[Target]:
    if AMBIL not in lane:
        return []
    mine = lane[AMBIL]
    targets = [
        Target("lane frames with a code read", mine["code"]["percent"], 99.0, False, "%"),
        Target("lane frames false reads", mine["empty"]["wrong"] + mine["code"]["wrong"], 0, True),
    ]
    return targets + _time_targets("lane frames", lane)


def _hard_targets(hard: dict) -> list[Target]:
    if AMBIL not in hard:
        return []
    mine = hard[AMBIL]
    targets = [
        Target("hard frames with a code read", mine["code"]["percent"], 98.0, False, "%"),
        Target("hard frames false reads", mine["empty"]["wrong"] + mine["code"]["wrong"], 0, True),
    ]
    if FASTEST_RAW in hard:
        raw = hard[FASTEST_RAW]["code"]["percent"]
        targets.append(
            Target(f"hard frames calibration: raw {FASTEST_RAW} reads >= 75%", raw, 75.0, False, "%")
        )
        targets.append(
            Target(f"hard frames calibration: raw {FASTEST_RAW} reads <= 90%", raw, 90.0, True, "%")
        )
    return targets + _time_targets("hard frames", hard)


def _time_targets(title: str, figures: dict) -> list[Target]:
    if FASTEST_RAW not in figures:
        return []
    mine, base = figures[AMBIL][TOTAL], figures[FASTEST_RAW][TOTAL]
    targets = []
    for key, limit in (("median_ms", 1.25), ("p95_ms", 2.0)):
        ratio = mine[key] / base[key] if base[key] > 0 else float("nan")
        targets.append(Target(f"{title} {key[:-3]} vs raw {FASTEST_RAW}", round(ratio, 2), limit, True, "x"))
    return targets


def ratio_line(title: str, figures: dict) -> str:
    """ambil's median and p95 time per image as multiples of raw zxing-cpp's, over a whole set."""
    mine, base = figures[AMBIL][TOTAL], figures[FASTEST_RAW][TOTAL]

    def ratio(key: str) -> str:
        return f"{mine[key] / base[key]:.2f}x" if base[key] > 0 else "n/a"

    return (
        f"{title}: ambil / {FASTEST_RAW} time per image: median {ratio('median_ms')}"
        f" ({mine['median_ms']:.2f} / {base['median_ms']:.2f} ms), p95 {ratio('p95_ms')}"
        f" ({mine['p95_ms']:.2f} / {base['p95_ms']:.2f} ms)"
    )

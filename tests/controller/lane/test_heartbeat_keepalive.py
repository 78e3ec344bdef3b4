"""The lane side of the keepalive protocol: a full report when its content changed or is due,
a keepalive otherwise, the full report at once when the office asks, and full after a failure."""

from __future__ import annotations

from controller.kernel import heartbeat as protocol
from controller.lane.heartbeat import HeartbeatSender


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def report(state="ready", reads=0, fps=9.5, temp=50.0) -> dict:
    return {
        "schema": protocol.SCHEMA,
        "lane_id": "lane-1",
        "state": state,
        "sent_at": 1.0 + reads,
        "counters": {"reads": reads},
        "devices": {"scanner": {"kind": "scanner", "state": "ok", "reasons": [], "info": {"fps": fps}}},
        "host": {"cpu_temp_c": temp},
    }


class Office:
    """Holds digests of the full reports it stored, as the office does (``Fleet.receive``)."""

    def __init__(self, answers_digest=True):
        self.held: set[str] = set()
        self.got: list[dict] = []
        self.answers_digest = answers_digest
        self.down = False

    def __call__(self, body: dict) -> dict:
        if self.down:
            raise ConnectionError("office down")
        self.got.append(body)
        if protocol.is_keepalive(body):
            if body["digest"] not in self.held:
                return {"ok": False, protocol.SEND_FULL: True}
            return {"ok": True, "digest": body["digest"]}
        digest = protocol.digest(body)
        self.held.add(digest)
        return {"ok": True, "digest": digest} if self.answers_digest else {"ok": True, "raised": []}


def kinds(office: Office) -> list[str]:
    return ["keepalive" if protocol.is_keepalive(b) else "full" for b in office.got]


def test_full_once_then_keepalives_until_the_content_changes():
    state = {"report": report()}
    office, clock = Office(), Clock()
    sender = HeartbeatSender(lambda: state["report"], office, clock=clock, full_every=300)
    for reads in range(3):  # counters, fps and the Pi's temperature move: not content
        state["report"] = report(reads=reads, fps=9.0 + reads, temp=50.0 + reads)
        assert sender.beat()
        clock.now += 3
    assert kinds(office) == ["full", "keepalive", "keepalive"]
    keepalive = office.got[-1]
    assert keepalive["counters"] == {"reads": 2} and keepalive["host"] == {"cpu_temp_c": 52.0}
    assert "devices" not in keepalive and "lane_id" not in keepalive  # the key names the lane
    state["report"] = report(state="scanning", reads=3)
    sender.beat()
    assert kinds(office)[-1] == "full"
    assert sender.keepalives == 2 and sender.sent == 4


def test_a_full_report_at_least_every_full_every_seconds():
    office, clock = Office(), Clock()
    sender = HeartbeatSender(report, office, clock=clock, full_every=60)
    for _ in range(5):
        sender.beat()
        clock.now += 20
    assert kinds(office) == ["full", "keepalive", "keepalive", "full", "keepalive"]


def test_send_full_answer_sends_the_full_report_in_the_same_beat():
    office, clock = Office(), Clock()
    sender = HeartbeatSender(report, office, clock=clock)
    sender.beat()
    office.held.clear()  # the office's database was restored (or it is another one)
    assert sender.beat()
    assert kinds(office) == ["full", "keepalive", "full"]
    sender.beat()
    assert kinds(office)[-1] == "keepalive"  # it holds the digest again


def test_a_lane_that_lost_the_office_sends_the_full_report_when_it_is_back():
    office, clock = Office(), Clock()
    sender = HeartbeatSender(report, office, clock=clock)
    sender.beat()
    office.down = True
    assert not sender.beat() and not sender.beat()
    office.down = False
    assert sender.beat()
    assert kinds(office) == ["full", "full"]


def test_an_old_office_that_answers_no_digest_gets_full_reports():
    office, clock = Office(answers_digest=False), Clock()
    sender = HeartbeatSender(report, office, clock=clock)
    for _ in range(3):
        sender.beat()
    assert kinds(office) == ["full"] * 3


def test_the_digest_counts_what_a_person_sees_and_nothing_that_moves():
    base = protocol.digest(report())
    assert protocol.digest(report(reads=7, fps=1.0, temp=80.0)) == base
    polled = report()
    polled["devices"]["scanner"]["since"] = 12345.6  # some drivers stamp every poll
    polled["devices"]["scanner"]["info"]["pulses"] = 3
    assert protocol.digest(polled) == base
    assert protocol.digest(report(state="scanning")) != base
    offline = report()
    offline["devices"]["scanner"]["state"] = "offline"
    assert protocol.digest(offline) != base
    levels = report()
    levels["devices"]["scanner"]["info"]["paper"] = "low"
    assert protocol.digest(levels) != base
    merged = protocol.merged(report(), protocol.keepalive(report(reads=4, temp=70.0), base))
    assert protocol.digest(merged) == base and merged["host"] == {"cpu_temp_c": 70.0}

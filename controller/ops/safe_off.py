"""Every locker relay off, from the config alone: systemd's stop step for the lane.

systemd runs ``ambil lane safe-off`` after the lane stops, however it stopped (even killed by the
watchdog), so a relay can never stay energised. It needs no running lane: it builds only the
locker banks, through the same builders as the composition root. One bank that cannot be reached
does not stop the others.
"""

from __future__ import annotations

import logging

from controller.config import Config
from controller.devices import build_lockers, failed_at_start

log = logging.getLogger("ambil.safe_off")


def all_relays_off(config: Config) -> int:
    """Switch every relay of every configured bank off and close the bank; returns the failures."""
    if config.role == "office":
        return 0
    failed = 0
    for bank_cfg in config.lane.lockers:
        try:
            banks = build_lockers(_only_bank(config, bank_cfg))
        except Exception as exc:
            log.error("locker bank %s: cannot open it to switch relays off: %s", bank_cfg.id, exc)
            failed += 1
            continue
        for bank in banks.values():
            why = failed_at_start(bank)
            if why is not None:
                # the composition root's stand-in for a bank that did not open: its relays were
                # not switched, so this is a failure, not a success
                log.error("locker bank %s: cannot open it to switch relays off: %s", bank.name, why)
                failed += 1
                continue
            try:
                bank.all_off()
                log.info("locker bank %s: every relay off", bank.name)
            except Exception as exc:
                log.error("locker bank %s: all_off failed: %s", bank.name, exc)
                failed += 1
            finally:
                try:
                    bank.close()
                except Exception:
                    log.exception("locker bank %s: close failed", bank.name)
    return failed


def _only_bank(config: Config, bank_cfg) -> Config:
    """A copy of ``config`` whose lane has just ``bank_cfg`` (so each bank is opened on its own)."""
    lane = config.lane.model_copy(update={"lockers": [bank_cfg]})
    return config.model_copy(update={"lane": lane})

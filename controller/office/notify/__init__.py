"""Notifications to citizens and agencies: log, e-mail, webhook; an outbox in the database, retried.

May import: ``controller.kernel``, ``controller.config`` and the office's tables and audit.
"""

from __future__ import annotations

from controller.office.notify.channels import (
    Channel,
    DeliveryError,
    EmailChannel,
    LogChannel,
    Message,
    WebhookChannel,
    build_channel,
    mask_target,
)
from controller.office.notify.messages import SIGNATURE_HEADER, MessageTexts, sign, verify_signature
from controller.office.notify.notifications import Notifications
from controller.office.notify.worker import KEY_LOST

__all__ = [
    "Channel",
    "DeliveryError",
    "EmailChannel",
    "KEY_LOST",
    "LogChannel",
    "Message",
    "MessageTexts",
    "Notifications",
    "SIGNATURE_HEADER",
    "WebhookChannel",
    "build_channel",
    "mask_target",
    "sign",
    "verify_signature",
]

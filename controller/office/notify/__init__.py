"""Notifications to citizens and agencies: log, e-mail, webhook; recorded and retried."""

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
from controller.office.notify.messages import SIGNATURE_HEADER, sign, verify_signature
from controller.office.notify.service import LOST_AT_RESTART, Notifications

__all__ = [
    "Channel",
    "DeliveryError",
    "EmailChannel",
    "LogChannel",
    "LOST_AT_RESTART",
    "Message",
    "Notifications",
    "SIGNATURE_HEADER",
    "WebhookChannel",
    "build_channel",
    "mask_target",
    "sign",
    "verify_signature",
]

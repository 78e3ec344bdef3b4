"""Ways a message reaches a person: the log (default), SMTP e-mail, or a webhook gateway (SMS/WA).

A channel sends one message or raises; the notifications worker records the outcome and retries.
The message text holds the citizen's pickup link (a bearer secret): channels hand it to the
transport and never log it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

import httpx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One message for one person. ``text`` may hold a pickup link: never log or store it."""

    to: str
    subject: str
    text: str = field(repr=False)
    document_id: int | None
    purpose: str


class DeliveryError(Exception):
    """A channel could not deliver a message; the text says why (no code, no personal data)."""


class Channel(Protocol):
    """Sends one message, raising on failure (any exception counts as a failed attempt)."""

    name: str

    def target_of(self, email: str | None, phone: str | None) -> str | None:
        """The address this channel sends to, picked from the citizen's contacts; None if none fits."""
        ...

    def send(self, message: Message) -> None: ...


def mask_target(target: str) -> str:
    """A recognisable but not identifying form of an address: ``b***@example.id``, ``***1234``."""
    if "@" in target:
        local, _, domain = target.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = "".join(ch for ch in target if ch.isdigit())
    return f"***{digits[-4:]}" if len(digits) > 4 else "***"


class LogChannel:
    """The default: only writes to the log that a message went to a masked target."""

    name = "log"

    def target_of(self, email: str | None, phone: str | None) -> str | None:
        return email or phone

    def send(self, message: Message) -> None:
        log.info(
            "notification %s for document %s to %s (log channel: not sent anywhere)",
            message.purpose,
            message.document_id,
            mask_target(message.to),
        )


class EmailChannel:
    """SMTP e-mail (optionally STARTTLS and login)."""

    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int = 25,
        starttls: bool = False,
        user: str | None = None,
        password: str | None = None,
        sender: str = "ambil@localhost",
        timeout: float = 15.0,
    ):
        self.host = host
        self.port = port
        self.starttls = starttls
        self.user = user
        self.password = password
        self.sender = sender
        self.timeout = timeout

    def target_of(self, email: str | None, phone: str | None) -> str | None:
        return email

    def send(self, message: Message) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail.set_content(message.text)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            # smtplib messages may echo the recipient: keep only the kind of failure and the code
            code = getattr(exc, "smtp_code", None)
            raise DeliveryError(f"SMTP {type(exc).__name__}{f' {code}' if code else ''}") from None


class WebhookChannel:
    """POSTs JSON ``{to, text, document_id, purpose}`` to a message gateway; non-2xx is a failure."""

    name = "webhook"

    def __init__(self, url: str, *, timeout: float = 15.0, client: httpx.Client | None = None):
        self.url = url
        self.timeout = timeout
        self._client = client

    def target_of(self, email: str | None, phone: str | None) -> str | None:
        return phone

    def send(self, message: Message) -> None:
        body = {
            "to": message.to,
            "text": message.text,
            "document_id": message.document_id,
            "purpose": message.purpose,
        }
        post_json(self.url, body, timeout=self.timeout, client=self._client)


def post_json(
    url: str, body: dict | bytes, *, headers: dict | None = None, timeout: float, client=None
) -> None:
    """POST ``body`` (a dict, or JSON bytes sent as they are); raise DeliveryError unless 2xx."""
    content = body if isinstance(body, bytes) else httpx.Request("POST", url, json=body).content
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    try:
        if client is not None:
            response = client.post(url, content=content, headers=all_headers, timeout=timeout)
        else:
            response = httpx.post(url, content=content, headers=all_headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"HTTP {type(exc).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"HTTP status {response.status_code}")


def build_channel(config, *, client: httpx.Client | None = None) -> Channel:
    """The channel a ``NotifyConfig`` asks for (``client``: a shared HTTP client for webhooks)."""
    if config.channel == "email":
        return EmailChannel(
            host=config.smtp_host,
            port=config.smtp_port,
            starttls=config.smtp_starttls,
            user=config.smtp_user,
            password=config.smtp_password,
            sender=config.smtp_from,
        )
    if config.channel == "webhook":
        if not config.webhook_url:
            raise ValueError("notify.webhook_url is required for channel 'webhook'")
        return WebhookChannel(config.webhook_url, client=client)
    return LogChannel()

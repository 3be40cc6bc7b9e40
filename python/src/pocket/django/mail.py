"""Django email through Amazon SES, on boto3 (no extra dependency).

``EMAIL_BACKEND = "pocket.django.mail.SesEmailBackend"`` (set by
:func:`pocket.django.runtime.get_email_settings` on a stage with ``[ses]``). Each message goes
out with one ``SendRawEmail`` call carrying the bytes Django built (headers, attachments,
alternatives as Django renders them for SMTP), so anything Django's SMTP backend can send, this
can. Bcc recipients are envelope destinations only, as with SMTP.

Configuration (constructor arguments win over the environment the deploy sets):
- region: ``region_name=``, else ``POCKET_SES_REGION``, else ``POCKET_REGION``;
- configuration set: ``configuration_set=``, else ``POCKET_SES_CONFIGURATION_SET`` (optional).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from pocket.errors import PocketRuntimeError

__all__ = ["SesEmailBackend"]


def _envelope_address(address: str, encoding: str | None) -> str:
    # The SMTP backend's own normalisation (IDNA domain, encoded display name), so SES sees the
    # same envelope sender Django would send over SMTP.
    from django.core.mail.message import sanitize_address

    return sanitize_address(address, encoding or "utf-8")


class SesEmailBackend(BaseEmailBackend):
    def __init__(
        self,
        fail_silently: bool = False,
        *,
        region_name: str | None = None,
        configuration_set: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.region_name = (
            region_name or os.environ.get("POCKET_SES_REGION") or os.environ.get("POCKET_REGION") or None
        )
        self.configuration_set = configuration_set or os.environ.get("POCKET_SES_CONFIGURATION_SET") or None
        self._client: Any = None

    def open(self) -> bool:
        """Create the SES client; ``True`` when this call created it (Django's convention)."""
        if self._client is not None:
            return False
        import boto3

        self._client = boto3.client("ses", region_name=self.region_name)
        return True

    def close(self) -> None:
        self._client = None

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        created = self.open()
        sent = 0
        try:
            for message in email_messages:
                if self._send(message):
                    sent += 1
        finally:
            if created:
                self.close()
        return sent

    def _send(self, message: EmailMessage) -> bool:
        recipients = message.recipients()
        if not recipients:
            return False
        encoding = message.encoding
        request: dict[str, Any] = {
            "Source": _envelope_address(message.from_email, encoding),
            "Destinations": [_envelope_address(r, encoding) for r in recipients],
            "RawMessage": {"Data": message.message().as_bytes(linesep="\r\n")},
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.send_raw_email(**request)
        except (ClientError, BotoCoreError) as e:
            if self.fail_silently:
                return False
            raise _describe(e, request["Source"], self.region_name) from e
        return True


def _describe(err: Exception, source: str, region: str | None) -> PocketRuntimeError:
    from botocore.exceptions import ClientError

    where = f" in region {region}" if region else ""
    if not isinstance(err, ClientError):
        return PocketRuntimeError(f"SES SendRawEmail from {source}{where} failed: {err}", code="ses-send-failed")
    error = err.response.get("Error", {})
    code, text = str(error.get("Code", "")), str(error.get("Message", ""))
    said = f" (AWS: {code}: {text})" if text else f" (AWS: {code})"
    if code in ("AccessDenied", "AccessDeniedException"):
        return PocketRuntimeError(
            f"SES refused to send from {source}{where}: the Lambda role may send only from the "
            f"[ses] from_email identity; use DEFAULT_FROM_EMAIL or fix [ses] and deploy{said}",
            code="ses-access-denied",
        )
    if code == "MessageRejected":
        return PocketRuntimeError(
            f"SES rejected the message from {source}{where}: the sender must be a verified SES "
            f"identity (and, while the account is in the SES sandbox, every recipient too){said}",
            code="ses-rejected",
        )
    return PocketRuntimeError(f"SES SendRawEmail from {source}{where} failed{said}", code="ses-send-failed")

"""How outbound bytes leave: an SMTP relay from DAPJANG_OUTBOUND_SMTP, or nowhere (the local sink).

Errors are reduced to a code and a short text we write ourselves, so a relay password or a hostname
embedded in an exception can never reach the outbox row, a log or an agent's screen (RELIABILITY 36).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit


class SendError(Exception):
    """A relay refused or failed; `temporary` says whether trying again later can help."""

    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary


@dataclass(frozen=True)
class RelayConfig:
    host: str
    port: int
    username: str
    password: str
    tls: str  # "none" | "starttls" | "ssl"
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str) -> RelayConfig:
        """smtp://[user:pass@]host[:port][?starttls=1], or smtps://… for implicit TLS."""
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("DAPJANG_OUTBOUND_SMTP must look like smtp://user:password@host:587?starttls=1")
        query = parse_qs(parts.query)
        starttls = query.get("starttls", ["0"])[0].lower() in {"1", "true", "yes"}
        tls = "ssl" if parts.scheme == "smtps" else ("starttls" if starttls else "none")
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls == "ssl" else 25),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            tls=tls,
            timeout=float(query.get("timeout", ["30"])[0]),
        )


def relay_send(config: RelayConfig, *, envelope_from: str, to: str, data: bytes) -> None:
    """One delivery attempt; raises SendError with a message safe to show and store."""
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if config.tls == "ssl":
            smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with smtp:
            if config.tls == "starttls":
                smtp.starttls(context=context)
            if config.username:
                smtp.login(config.username, config.password)
            smtp.sendmail(envelope_from, [to], data)
    except smtplib.SMTPRecipientsRefused as exc:
        code = next(iter(exc.recipients.values()))[0]
        raise SendError(f"relay refused the recipient ({code})", temporary=400 <= code < 500) from None
    except smtplib.SMTPNotSupportedError:
        # Retried, not failed: once the operator fixes the setting, the waiting mail goes out.
        raise SendError(
            "relay does not offer login (AUTH) or STARTTLS as configured", temporary=True
        ) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(f"relay rejected our login ({exc.smtp_code})", temporary=False) from None
    except smtplib.SMTPResponseException as exc:
        code = exc.smtp_code
        raise SendError(f"relay answered {code}", temporary=not 500 <= code < 600) from None
    except ssl.SSLError:
        raise SendError("TLS handshake with the relay failed", temporary=True) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"relay unreachable ({type(exc).__name__})", temporary=True) from None

"""Articles made from inbound mail, with their attachments in the content-addressed blob store."""

from __future__ import annotations

from dapjang.mail.blobs import blob_put
from dapjang.mail.kinds import Kind
from dapjang.mail.models import RawMessage
from dapjang.mail.parse import ParsedMail
from dapjang.tickets.models import Article, Attachment, Ticket


def article_from_mail(
    raw: RawMessage,
    mail: ParsedMail,
    kind: Kind,
    ticket: Ticket,
    flags: list[str],
    fingerprint: str,
    *,
    direction: str = Article.Direction.IN,
    article_kind: str = "",
) -> Article:
    """The article of an inbound mail; a consultation answer is stored the same way, as a note."""
    sender = mail.sender
    return Article.objects.create(
        ticket=ticket,
        direction=direction,
        kind=article_kind or ("customer" if kind is Kind.HUMAN else kind.value),
        from_email=sender.email if sender else "",
        from_name=sender.name[:200] if sender else "",
        to=[a.email for a in mail.to],
        cc=[a.email for a in mail.cc],
        subject=mail.subject[:500],
        text=mail.text,
        new_text=mail.new_text,
        quoted_text=mail.quoted_text,
        html=mail.html,
        message_id=mail.message_id,
        content_hash=fingerprint,
        in_reply_to=mail.in_reply_to[0] if mail.in_reply_to else "",
        references=mail.references[-50:],
        raw=raw,
        flags=flags,
        language=mail.language,
    )


def attachments_from_mail(mail: ParsedMail, article: Article) -> None:
    if not mail.attachments:
        return
    rows = [
        Attachment(
            article=article,
            filename=att.filename[:255] or "attachment",
            content_type=att.content_type[:255],
            size=len(att.payload),
            sha256=blob_put(att.payload),
            content_id=att.content_id[:255],
            inline=att.inline,
        )
        for att in mail.attachments
    ]
    Attachment.objects.bulk_create(rows)

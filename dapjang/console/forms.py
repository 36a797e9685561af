"""The console's forms: they validate what an agent typed, then hand typed values to a service."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dapjang.agents.models import Agent
from dapjang.mail.compose import FileToSend
from dapjang.tickets.models import Queue, Ticket
from dapjang.tickets.services import MAX_ATTACHMENT_BYTES, ActionRefused, Change

MAX_FILES = 10
MAX_CC = 10
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_CC_SPLIT = re.compile(r"[\s,;]+")


def refusal_text(error: ActionRefused) -> str:
    """The services say why in both languages ("english / 한국어"); show the agent's one."""
    text = str(error)
    english, sep, korean = text.rpartition(" / ")
    if not sep:
        return text
    return english if (get_language() or "ko").startswith("en") else korean


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; Django's FileField takes one."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[Any]]:
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class _Ids(forms.Form):
    """Three forms share the ticket page and a field name (body); their element ids must not clash."""

    id_prefix = "f"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ReplyForm(_Ids):
    id_prefix = "reply"
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 8}), max_length=100_000)
    cc = forms.CharField(label=_("Cc"), required=False, max_length=2000)
    status_after = forms.ChoiceField(
        label=_("After sending"), choices=Ticket.Status.choices, initial=Ticket.Status.WAITING
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def clean_cc(self) -> list[str]:
        addresses = [a.lower() for a in _CC_SPLIT.split(self.cleaned_data["cc"]) if a]
        if len(addresses) > MAX_CC:
            raise ValidationError(_("At most %(n)d addresses in Cc."), params={"n": MAX_CC})
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(
                    _("“%(value)s” is not an e-mail address."), params={"value": address[:100]}
                ) from None
        return list(dict.fromkeys(addresses))

    def clean_attachments(self) -> list[UploadedFile[Any]]:
        files: list[UploadedFile[Any]] = self.cleaned_data["attachments"]
        if len(files) > MAX_FILES:
            raise ValidationError(_("At most %(n)d files at once."), params={"n": MAX_FILES})
        total = sum(f.size or 0 for f in files)
        if total > MAX_ATTACHMENT_BYTES:
            raise ValidationError(
                _("The attachments add up to %(size)s MB; at most %(limit)s MB can be sent."),
                params={"size": f"{total / 1024 / 1024:.1f}", "limit": MAX_ATTACHMENT_BYTES // 1024 // 1024},
            )
        return files

    def files_to_send(self) -> list[FileToSend]:
        return [files_to_send(f) for f in self.cleaned_data["attachments"]]


def files_to_send(upload: UploadedFile[Any]) -> FileToSend:
    ctype = (upload.content_type or "").lower()
    if not _CONTENT_TYPE.match(ctype):
        ctype = "application/octet-stream"  # the browser's guess, when it has one, is only a hint
    return FileToSend(filename=upload.name or "attachment", content_type=ctype, data=upload.read())


class NoteForm(_Ids):
    id_prefix = "note"
    body = forms.CharField(
        label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=100_000
    )


class ConsultForm(_Ids):
    id_prefix = "consult"
    expert_email = forms.EmailField(label=_("Expert's e-mail"), max_length=254)
    question = forms.CharField(
        label=_("Question"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000
    )


def assignee_choices(ticket: Ticket) -> QuerySet[Agent]:
    """The agents who work the ticket's queue, and whoever has it now (so the form never drops them)."""
    return (
        Agent.objects.filter(Q(memberships__queue_id=ticket.queue_id) | Q(user_id=ticket.assignee_id))
        .distinct()
        .order_by("name")
    )


class ChangeForm(forms.Form):
    """Status, priority, queue, assignee; only the fields sent and different from now become a change."""

    status = forms.ChoiceField(label=_("status"), choices=Ticket.Status.choices, required=False)
    priority = forms.TypedChoiceField(
        label=_("priority"), choices=Ticket.Priority.choices, coerce=int, required=False, empty_value=None
    )
    queue = forms.ModelChoiceField(
        label=_("queue"),
        queryset=Queue.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=None,
    )
    assignee = forms.ModelChoiceField(
        label=_("assignee"), queryset=Agent.objects.none(), required=False, empty_label=_("(unassigned)")
    )

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        assignee = getattr(ticket.assignee, "agent", None) if ticket.assignee_id else None
        kwargs.setdefault(
            "initial",
            {
                "status": ticket.status,
                "priority": ticket.priority,
                "queue": ticket.queue.slug,
                "assignee": assignee.pk if assignee else None,
            },
        )
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        cast("forms.ModelChoiceField[Agent]", self.fields["assignee"]).queryset = assignee_choices(ticket)

    def change(self) -> Change:
        data, sent, ticket = self.cleaned_data, self.data, self.ticket
        status = data.get("status") or None
        priority = data.get("priority")
        queue: Queue | None = data.get("queue")
        assignee: Agent | None = data.get("assignee")
        unassign = "assignee" in sent and assignee is None and ticket.assignee_id is not None
        if assignee is not None and assignee.user_id == ticket.assignee_id:
            assignee = None
        return Change(
            status=status if status != ticket.status else None,
            priority=priority if priority != ticket.priority else None,
            queue=queue if queue is not None and queue.pk != ticket.queue_id else None,
            assignee=assignee,
            unassign=unassign,
        )

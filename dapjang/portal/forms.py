"""The contact form's fields and their checks (MISSION A10; RELIABILITY 7, 10).

Every refusal names the field and says what to change, in the visitor's language; what was typed is
kept and shown again (only chosen files must be picked again: browsers never let a page refill them).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from dapjang.portal.topics import Topic
from dapjang.tickets.queues import AddressBook

MAX_NAME = 100
MAX_SUBJECT = 200
MAX_PRODUCT = 200
MAX_MESSAGE = 20_000
MAX_FILES = 3
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
RATE_LIMITED = _(
    "Too many messages were sent from here or for this e-mail address. "
    "Please try again in %(minutes)d minutes; what you wrote is kept below."
)
STORE_FAILED = _(
    "We could not take your message just now. Please try again in a minute; what you wrote is kept below."
)
MESSAGE_TOO_LONG = _(
    "The message may be at most %(limit_value)d characters (it has %(show_value)d); "
    "please shorten it or attach a file."
)


def one_line(value: str) -> str:
    """A header field never carries a line break (RELIABILITY 23): newlines become spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def rate_limited(minutes: int) -> forms.ValidationError:
    return forms.ValidationError(RATE_LIMITED, code="rate_limited", params={"minutes": minutes})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Up to MAX_FILES files, each and all together within the size limits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                _("Attach at most %(n)d files.") % {"n": MAX_FILES}, code="too_many_files"
            )
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        for f in cleaned:
            if f.size and f.size > MAX_FILE_BYTES:
                raise forms.ValidationError(
                    _("The file “%(name)s” is %(size)s; each file may be at most %(max)s.")
                    % {
                        "name": f.name,
                        "size": filesizeformat(f.size),
                        "max": filesizeformat(MAX_FILE_BYTES),
                    },
                    code="file_too_big",
                )
        if sum(f.size or 0 for f in cleaned) > MAX_TOTAL_BYTES:
            raise forms.ValidationError(
                _("The files together may be at most %(max)s.") % {"max": filesizeformat(MAX_TOTAL_BYTES)},
                code="files_too_big",
            )
        return cleaned


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=MAX_NAME)
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        error_messages={"invalid": _("Enter an e-mail address such as name@example.com.")},
    )
    topic = forms.ChoiceField(label=_("Topic"))
    product = forms.CharField(label=_("Product"), max_length=MAX_PRODUCT, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=MAX_SUBJECT)
    message = forms.CharField(label=_("Message"), max_length=MAX_MESSAGE, widget=forms.Textarea)
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    # The honeypot: hidden from people by the page's CSS, filled in by bots that fill in everything.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args: Any, topics: list[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.topics = {t.slug: t for t in topics}
        field = self.fields["topic"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a topic")), *((t.slug, t.label) for t in topics)]
        field.error_messages["invalid_choice"] = _("Choose one of the topics in the list.")
        for name in ("name", "email", "topic", "subject", "message"):
            self.fields[name].error_messages["required"] = _("This field is required.")
        for name in ("name", "subject", "product"):
            self.fields[name].error_messages["max_length"] = _(
                "Keep this under %(limit_value)d characters (it has %(show_value)d)."
            )
        self.fields["message"].error_messages["max_length"] = MESSAGE_TOO_LONG
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    def clean_name(self) -> str:
        return one_line(self.cleaned_data["name"])

    def clean_subject(self) -> str:
        return one_line(self.cleaned_data["subject"])

    def clean_product(self) -> str:
        return one_line(self.cleaned_data["product"])

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip()
        if AddressBook.load().is_ours(email):
            # RELIABILITY 7: our own address as a customer would start a mail loop.
            raise forms.ValidationError(
                _("This is one of our own support addresses. Enter your own e-mail address."),
                code="own_address",
            )
        return email

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise forms.ValidationError(
                _("Your message could not be sent. Leave the field “Leave this field empty” empty."),
                code="honeypot",
            )
        return ""

    def chosen_topic(self) -> Topic:
        return self.topics[self.cleaned_data["topic"]]


class FollowUpForm(forms.Form):
    """A customer adds to their ticket from its page; it travels as a reply to our last mail."""

    message = forms.CharField(label=_("Your message"), max_length=MAX_MESSAGE, widget=forms.Textarea)
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["message"].error_messages["required"] = _("This field is required.")
        self.fields["message"].error_messages["max_length"] = MESSAGE_TOO_LONG
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    clean_website = ContactForm.clean_website

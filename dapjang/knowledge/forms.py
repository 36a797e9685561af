"""Forms of the knowledge base: the automation coefficient per queue, and promoting a model answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dapjang.knowledge.models import FaqEntry

# Below this, the verifier's cross-validated precision drops fast (bench/README.md, autoanswer_eval):
# a coefficient this low would send wrong answers, which are worse than none.
MIN_COEFFICIENT = 0.5


class QueueAutomationForm(forms.Form):
    queue = forms.IntegerField(widget=forms.HiddenInput)
    autoanswer_enabled = forms.BooleanField(label=_("answer automatically"), required=False)
    autoanswer_threshold = forms.FloatField(
        label=_("automation coefficient"),
        min_value=MIN_COEFFICIENT,
        max_value=1.0,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": MIN_COEFFICIENT, "max": "1"}),
        error_messages={
            "min_value": _("The coefficient is between 0.50 and 1.00."),
            "max_value": _("The coefficient is between 0.50 and 1.00."),
            "invalid": _("The coefficient is a number between 0.50 and 1.00, e.g. 0.85."),
            "required": _("The coefficient is a number between 0.50 and 1.00, e.g. 0.85."),
        },
    )


class PromoteForm(forms.Form):
    """A reviewer turns an agent's model answer into an FAQ entry, editing it on the way (A12)."""

    faq_id = forms.RegexField(
        label=_("FAQ id"),
        regex=r"^[a-z0-9][a-z0-9-]{0,63}$",
        error_messages={"invalid": _("Lower-case letters, digits and hyphens, e.g. faq-101.")},
    )
    topic = forms.ChoiceField(label=_("topic"))
    question = forms.CharField(label=_("question"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    answer = forms.CharField(label=_("answer"), widget=forms.Textarea(attrs={"rows": 10}), max_length=20000)
    paraphrases = forms.CharField(
        label=_("other ways customers ask it (one a line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    publish = forms.BooleanField(label=_("publish now (otherwise a draft)"), required=False)

    def __init__(self, *args: Any, language: str, topics: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language
        self.fields["topic"].choices = topics  # type: ignore[attr-defined]

    def clean_faq_id(self) -> str:
        faq_id = str(self.cleaned_data["faq_id"])
        if FaqEntry.objects.filter(faq_id=faq_id, language=self.language).exists():
            raise forms.ValidationError(
                _("%(id)s already exists in this language; choose another id.") % {"id": faq_id}
            )
        return faq_id

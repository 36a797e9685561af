"""The automation coefficient form: an admin sets, per queue, whether and how surely it answers by itself."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

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

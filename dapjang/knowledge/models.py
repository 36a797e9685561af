"""The knowledge base: FAQ entries, the domain dictionary and agents' model answers (MISSION A10–A12, C2)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

LANGUAGES = [("ko", "한국어"), ("en", "English")]


class FaqEntry(models.Model):
    """One question and its standard answer in one language; `faq_id` names it across languages."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    faq_id = models.CharField(
        _("FAQ id"), max_length=64, help_text=_('e.g. "faq-012"; shared by translations')
    )
    topic = models.SlugField(_("topic"), max_length=50, help_text=_("the slug of the queue it belongs to"))
    product = models.CharField(_("product"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES, default="ko")
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Other ways customers ask the same question; searched like the question itself.
    paraphrases = models.JSONField(_("paraphrases"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ["faq_id", "language"]
        constraints = [models.UniqueConstraint(fields=["faq_id", "language"], name="faq_unique_language")]

    def __str__(self) -> str:
        return f"{self.faq_id} [{self.language}] {self.question[:60]}"


class Synonym(models.Model):
    """A word customers use (`variant`) and the term the FAQ answers use for it (`canonical`)."""

    variant = models.CharField(_("customer's word"), max_length=200)
    canonical = models.CharField(_("term in the answers"), max_length=200)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES, default="ko")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("synonym")
        verbose_name_plural = _("synonyms")
        ordering = ["language", "variant"]
        constraints = [models.UniqueConstraint(fields=["variant", "language"], name="synonym_unique_variant")]

    def __str__(self) -> str:
        return f"{self.variant} → {self.canonical} [{self.language}]"


class SavedAnswer(models.Model):
    """An agent's reply kept as a model answer, searchable by staff and a candidate for the FAQ (A12)."""

    article = models.ForeignKey(
        "tickets.Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="saved_answers"
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES, default="ko")
    suggested_for_faq = models.BooleanField(_("suggested for the FAQ"), default=False)
    promoted_to = models.ForeignKey(
        FaqEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="saved_answers"
    )
    saved_by = models.ForeignKey(
        "agents.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="saved_answers"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved answer")
        verbose_name_plural = _("saved answers")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title or self.text[:60]


class Deflection(models.Model):
    """A customer on the contact page said an FAQ answer solved it: a mail that was never written (A10)."""

    faq_id = models.CharField(max_length=64, db_index=True)
    topic = models.SlugField(max_length=50, blank=True)
    language = models.CharField(max_length=8, choices=LANGUAGES, default="ko")
    query = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.faq_id} {self.created_at:%Y-%m-%d}"

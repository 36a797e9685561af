"""Admin screens for customers and their identities."""

from __future__ import annotations

from django.contrib import admin

from dapjang.customers.models import Customer, Identity


class IdentityInline(admin.TabularInline[Identity, Customer]):
    model = Identity
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin[Customer]):
    list_display = ["email", "name", "segment", "language", "created_at", "undeliverable_until"]
    list_filter = ["segment", "language"]
    search_fields = ["email", "name", "identities__value"]
    inlines = [IdentityInline]

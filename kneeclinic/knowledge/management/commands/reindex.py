"""``manage.py reindex``: rebuild the articles' search index from the Markdown files."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kneeclinic.knowledge.services import reindex


class Command(BaseCommand):
    help = "Rebuild the search index of the knee clinic's articles from their Markdown files."

    def handle(self, *args: Any, **options: Any) -> None:
        count = reindex()
        self.stdout.write(f"Indexed {count} articles.")

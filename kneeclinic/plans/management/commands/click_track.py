from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kneeclinic.domain import technique


class Command(BaseCommand):
    help = "Write a metronome click track (WAV) at a cadence, to play while running."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bpm", type=float, required=True, help="clicks (steps) per minute")
        parser.add_argument("--minutes", type=int, default=20, help="length, 1-60 minutes")
        parser.add_argument("--out", required=True, help="the WAV file to write")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            audio = technique.click_track_wav(options["bpm"], options["minutes"] * 60)
        except technique.TechniqueError as error:
            raise CommandError(str(error)) from None
        out = Path(options["out"])
        out.write_bytes(audio)
        if options["json"]:
            result = {"file": str(out), "bpm": options["bpm"], "minutes": options["minutes"]}
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(f"Wrote {out} ({options['minutes']} min at {options['bpm']:g}/min).")

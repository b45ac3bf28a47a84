from __future__ import annotations

import getpass
import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kneeclinic.accounts import services
from kneeclinic.accounts.models import Role

ROLES = {"runner": Role.RUNNER, "physio": Role.PHYSIO, "admin": Role.ADMIN}


class Command(BaseCommand):
    help = (
        "Create an account. The password is read from standard input or asked for; never printed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", choices=sorted(ROLES), default="runner")
        parser.add_argument("--clinic", default="", help="the clinic's name (created if new)")
        parser.add_argument("--name", default="", help="the person's first name")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        role = ROLES[options["role"]]
        if role != Role.RUNNER and not options["clinic"]:
            raise CommandError("A physio or clinic admin needs --clinic NAME.")
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
        try:
            password_validation.validate_password(password)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from None
        try:
            user = services.create_user(
                options["email"],
                password,
                role=role,
                clinic_name=options["clinic"],
                name=options["name"],
            )
        except services.DuplicateEmail as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            out = {"email": user.email, "role": user.role, "clinic": options["clinic"] or None}
            self.stdout.write(json.dumps(out))
        else:
            self.stdout.write(f"Created {user.role} {user.email}.")

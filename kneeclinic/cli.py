"""The `kneeclinic` console script: Django's management commands under a friendlier name.

`kneeclinic serve`, `kneeclinic worker`, `kneeclinic demo`, `kneeclinic import ...`: each is a
management command of one of the apps, so the CLI and the web share one code path.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeclinic.settings")
    args = list(sys.argv if argv is None else ["kneeclinic", *argv])
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(args)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"kneeclinic: configuration error: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()

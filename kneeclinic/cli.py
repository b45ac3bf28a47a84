"""The `kneeclinic` console script: Django's management commands under a friendlier name.

`kneeclinic serve`, `kneeclinic worker`, `kneeclinic demo`, `kneeclinic import ...`: each is a
management command of one of the apps, so the CLI and the web share one code path.
"""

from __future__ import annotations

import gc
import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeclinic.settings")
    args = list(sys.argv if argv is None else ["kneeclinic", *argv])
    if args[1:2] == ["import"]:
        # The import's parse workers load on the other cores while Django sets up here
        # (they need no Django), instead of after it, beside the storing of the upload.
        from kneeclinic.activities import sandbox

        sandbox.start_import_workers_early()
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(args)
        # Python's last collections walk every object Django and the app loaded, once per
        # round of module clean-up: 0.2 s at the end of each command. Our objects are freed
        # by the operating system with the process, so the collector can leave them be.
        gc.freeze()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"kneeclinic: configuration error: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()

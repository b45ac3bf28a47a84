"""The deployment recipe (deploy/ and docs/deployment.md) agrees with the real app.

Every ``kneeclinic`` command a unit, the container image or the guide runs must exist and accept
its options; the proxy must send the headers the settings trust; the units must pass
``systemd-analyze verify`` where systemd is installed.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
GUIDE = ROOT / "docs" / "deployment.md"
NGINX = DEPLOY / "nginx" / "kneeclinic.conf"
CONTAINERFILE = DEPLOY / "Containerfile"
INSTALLED = "/opt/kneeclinic/.venv/bin/kneeclinic"
EXEC_KEYS = ("ExecStart", "ExecStartPre", "ExecStartPost", "ExecStop", "ExecReload")


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit as {section: {key: [values]}} (keys may repeat; comments dropped)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}: {line!r} is outside any section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: {line!r} is not key=value"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def all_units() -> list[Path]:
    return sorted(p for p in UNITS.iterdir() if p.suffix in {".service", ".timer"})


def check_command(argv: list[str], where: str) -> None:
    """``argv`` (after ``kneeclinic``) names a real command and its options parse."""
    assert argv, f"{where}: kneeclinic without a command"
    name, args = argv[0], argv[1:]
    commands = get_commands()
    assert name in commands, f"{where}: `kneeclinic {name}` is not a command (kneeclinic help)"
    command = load_command_class(commands[name], name)
    parser = command.create_parser("kneeclinic", name)
    try:
        parser.parse_args(args)
    except (SystemExit, CommandError):
        pytest.fail(f"{where}: `kneeclinic {shlex.join(argv)}` has options {name} refuses")


def unit_commands() -> list[tuple[str, list[str]]]:
    found = []
    for path in all_units():
        for section in unit(path).values():
            for key in EXEC_KEYS:
                for value in section.get(key, []):
                    argv = shlex.split(value.lstrip("-@+!:"))
                    if argv[0].endswith("/kneeclinic"):
                        assert argv[0] == INSTALLED, f"{path.name}: {argv[0]}"
                        found.append((f"{path.name} {key}", argv[1:]))
    return found


def shell_commands(line: str) -> list[list[str]]:
    """The arguments of each ``kneeclinic`` run in one shell line.

    A ``kneeclinic`` word is the program when it is not an option's value (``sudo -u kneeclinic``,
    ``createdb -O kneeclinic``) and a command name follows; the command runs to the next ``;``,
    ``&``, ``&&``, ``||`` or ``|``.
    """
    words = shlex.split(line, comments=True)
    found = []
    for at, word in enumerate(words):
        if word != "kneeclinic" and not word.endswith("/bin/kneeclinic"):
            continue
        if at > 0 and words[at - 1].startswith("-"):
            continue
        rest = words[at + 1 :]
        if not rest or not re.fullmatch(r"[a-z_]+", rest[0]) or rest[0] == "kneeclinic":
            continue
        argv = []
        for arg in rest:
            if arg in {"&&", "||", "|", ";", "&"}:
                break
            argv.append(arg.removesuffix(";"))
            if arg.endswith(";"):
                break
        found.append(argv)
    return found


def guide_commands() -> list[tuple[str, list[str]]]:
    """``kneeclinic ...`` runs in the guide's shell blocks."""
    found = []
    in_shell = False
    for number, line in enumerate(GUIDE.read_text().splitlines(), 1):
        if line.strip().startswith("```"):
            in_shell = line.strip() in {"```sh", "```bash", "```console"}
            continue
        if in_shell:
            found += [(f"docs/deployment.md:{number}", argv) for argv in shell_commands(line)]
    return found


def test_shell_commands_are_found_where_they_run() -> None:
    assert shell_commands("sudo -u kneeclinic kneeclinic migrate") == [["migrate"]]
    assert shell_commands("podman run -v a:/b img kneeclinic worker && echo") == [["worker"]]
    assert shell_commands("sudo -u kneeclinic ln -s /srv /var/lib/kneeclinic/files") == []
    assert shell_commands("/opt/kneeclinic/.venv/bin/kneeclinic backup /x  # nightly") == [
        ["backup", "/x"]
    ]


def test_every_unit_command_exists_in_the_cli() -> None:
    commands = unit_commands()
    names = {argv[0] for _, argv in commands}
    assert {"serve", "worker", "backup"} <= names, names
    for where, argv in commands:
        check_command(argv, where)


def test_every_command_in_the_guide_exists_in_the_cli() -> None:
    commands = guide_commands()
    names = {argv[0] for _, argv in commands}
    # The recipe's steps: install, migrate, serve, work, back up, restore, check.
    assert {"migrate", "serve", "worker", "backup", "restore", "check"} <= names, names
    for where, argv in commands:
        check_command(argv, where)


def test_the_check_refuses_an_unknown_command_or_option() -> None:
    """The checks above can fail: a misspelt command or option is caught."""
    with pytest.raises(pytest.fail.Exception):
        check_command(["serve", "--bind", "127.0.0.1:8000", "--wokers", "4"], "example")
    with pytest.raises(AssertionError):
        check_command(["serv"], "example")


def test_web_units_skip_migrations_and_workers_are_a_template() -> None:
    web = unit(UNITS / "kneeclinic-web.service")
    assert "--no-migrate" in web["Service"]["ExecStart"][0]
    worker = unit(UNITS / "kneeclinic-worker@.service")
    assert "%i" in worker["Unit"]["Description"][0]
    timer = unit(UNITS / "kneeclinic-backup.timer")
    assert timer["Timer"]["OnCalendar"], "the backup timer has no schedule"
    assert timer["Timer"]["Persistent"] == ["true"]


def test_units_share_one_user_environment_and_data_folder() -> None:
    services = [unit(p)["Service"] for p in all_units() if p.suffix == ".service"]
    assert len(services) == 3
    for service in services:
        assert service["User"] == ["kneeclinic"]
        assert service["EnvironmentFile"] == ["/etc/kneeclinic/kneeclinic.env"]
        assert "/var/lib/kneeclinic" in service["ReadWritePaths"][0].split()
        assert service["NoNewPrivileges"] == ["yes"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """With the install path pointed at this environment's own kneeclinic (it must exist)."""
    here = Path(sys.executable).parent / "kneeclinic"
    for path in all_units():
        text = path.read_text().replace(INSTALLED, str(here))
        name = path.name.replace("@.service", "@1.service")
        (tmp_path / name).write_text(text)
    names = sorted(p.name for p in tmp_path.iterdir())
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr, result.stderr


def nginx_directives() -> list[list[str]]:
    text = "\n".join(line.split("#", 1)[0] for line in NGINX.read_text().splitlines())
    return [shlex.split(part) for part in text.replace("{", ";").replace("}", ";").split(";")]


def test_proxy_sends_the_headers_the_settings_trust() -> None:
    headers = {d[1].lower(): d[2] for d in nginx_directives() if d[:1] == ["proxy_set_header"]}
    # SECURE_PROXY_SSL_HEADER (with KNEECLINIC_BEHIND_PROXY) reads X-Forwarded-Proto...
    assert headers["x-forwarded-proto"] == "$scheme"
    # ...client_address() the last X-Forwarded-For entry: the proxy must set it, not pass it on.
    assert headers["x-forwarded-for"] in {"$remote_addr", "$proxy_add_x_forwarded_for"}
    assert headers["host"] == "$host"  # ALLOWED_HOSTS checks the public name
    assert headers["x-request-id"] == "$request_id"


def test_proxy_accepts_the_largest_upload_and_outwaits_gunicorn() -> None:
    directives = {d[0]: d[1:] for d in nginx_directives() if d}
    size = directives["client_max_body_size"][0].lower()
    factor = {"k": 1024, "m": 1024**2, "g": 1024**3}.get(size[-1], 1)
    assert int(size.rstrip("kmg")) * factor >= settings.UPLOAD_MAX_BYTES
    assert int(directives["proxy_read_timeout"][0].rstrip("s")) > 120  # serve: --timeout 120
    assert any(d[:3] == ["listen", "443", "ssl"] for d in nginx_directives()), "no TLS"


def test_containerfile_is_multi_stage_non_root_and_locked() -> None:
    text = CONTAINERFILE.read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\w+))?", text, flags=re.MULTILINE)
    assert len(stages) >= 2, "one stage builds, another runs"
    assert "COPY --from=build" in text
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users, "the image runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert "uv.lock" in text
    for sync in re.findall(r"uv sync[^\n]*", text):
        assert "--frozen" in sync, f"{sync!r} may change the lock file's versions"
    cmd = re.findall(r"^CMD\s+(\[.*\])\s*$", text, flags=re.MULTILINE)
    argv = json.loads(cmd[-1])
    assert argv[0] == "kneeclinic"
    check_command(argv[1:], "deploy/Containerfile CMD")


def test_containerfile_health_check_and_uv_match_the_project() -> None:
    text = CONTAINERFILE.read_text()
    check = re.search(r"^HEALTHCHECK .*? CMD (\[.*\])\s*$", text, flags=re.MULTILINE)
    assert check, "the image has no health check"
    argv = json.loads(check.group(1))
    assert argv[:2] == ["python", "-c"]
    compile(argv[2], "HEALTHCHECK", "exec")
    assert "/healthz" in argv[2]
    assert "X-Forwarded-Proto" in argv[2]  # or the HTTPS redirect answers instead of the app
    makefile = (ROOT / "Makefile").read_text()
    wanted = re.search(r"^UV_VERSION := (\S+)", makefile, flags=re.MULTILINE)
    pinned = re.search(r"^ARG UV_VERSION=(\S+)", text, flags=re.MULTILINE)
    assert wanted and pinned
    assert pinned.group(1) == wanted.group(1), "the image and make install use different uv"


def test_every_setting_the_recipe_names_exists() -> None:
    """A variable in the guide or the deploy files that settings.py never reads is a typo."""
    source = (ROOT / "kneeclinic" / "settings.py").read_text()
    texts = [GUIDE.read_text()] + [
        p.read_text() for p in DEPLOY.rglob("*") if p.is_file() and p.suffix != ".pem"
    ]
    named = {name for text in texts for name in re.findall(r"\bKNEECLINIC_[A-Z0-9_]+", text)}
    assert "KNEECLINIC_BEHIND_PROXY" in named
    # Read by settings.py (KNEECLINIC_TEST_POSTGRES is the test suite's own).
    unknown = {name for name in named if f'"{name}"' not in source}
    assert not unknown, f"not read by kneeclinic/settings.py: {sorted(unknown)}"

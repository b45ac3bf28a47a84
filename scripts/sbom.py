"""Write a CycloneDX SBOM (JSON) of the locked Python dependencies, offline.

Run ``python scripts/sbom.py build/audit/sbom.cdx.json``. It reads uv.lock (every package the
install can use, with its version and source) and needs no network, unlike pip-audit's own
CycloneDX output, which audits first. ``make audit`` writes it to build/, which is not committed.
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot5
from packageurl import PackageURL

ROOT = Path(__file__).resolve().parents[1]


def build(lock: Path) -> Bom:
    packages = tomllib.loads(lock.read_text(encoding="utf-8"))["package"]
    bom = Bom()
    project = next(p for p in packages if p.get("source", {}).get("editable") == ".")
    root = Component(
        name=project["name"],
        version=project.get("version"),
        type=ComponentType.APPLICATION,
        bom_ref=project["name"],
    )
    bom.metadata.component = root
    components = {project["name"]: root}
    for package in packages:
        if package is project:
            continue
        name, version = package["name"], package.get("version")
        components[name] = Component(
            name=name,
            version=version,
            type=ComponentType.LIBRARY,
            purl=PackageURL(type="pypi", name=name, version=version),
            bom_ref=f"{name}=={version}",
        )
        bom.components.add(components[name])
    for package in packages:
        wanted = [d["name"] for d in package.get("dependencies", [])]
        for group in package.get("optional-dependencies", {}).values():
            wanted += [d["name"] for d in group]
        for group in package.get("dev-dependencies", {}).values():
            wanted += [d["name"] for d in group]
        bom.register_dependency(
            components[package["name"]], [components[n] for n in wanted if n in components]
        )
    return bom


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--lock", type=Path, default=ROOT / "uv.lock")
    args = parser.parse_args()
    bom = build(args.lock)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(JsonV1Dot5(bom).output_as_string(indent=2), encoding="utf-8")
    print(f"wrote {len(bom.components)} components to {args.out}")


if __name__ == "__main__":
    main()

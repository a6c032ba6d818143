"""The lock (constraints.txt) pins every dependency pyproject.toml declares, within its range.

``make`` installs with ``-c constraints.txt``; a dependency added to pyproject.toml without
``make lock`` would install at whatever version the index has that day, and the README's numbers
would no longer say which versions made them. The installed versions are checked against the lock
too: in an environment ``make`` built, they are the same.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from p3lib.store.run_layout import REPO_ROOT


def locked_versions() -> dict[str, str]:
    """Package name (canonical) to its exact version, from constraints.txt."""
    pins = {}
    for line in (REPO_ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier  # exactly one: an exact pin
        assert specifier.operator == "==", line
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def declared_requirements() -> list[Requirement]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared += extra
    return [Requirement(text) for text in declared]


def test_the_lock_pins_every_declared_dependency_within_its_range():
    pins = locked_versions()
    declared = declared_requirements()
    assert len(declared) > 30  # pyproject.toml was read, extras included
    for requirement in declared:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is declared but not locked: run `make lock`"
        # torch's local label (+cpu) names the build; the range speaks of the release
        assert requirement.specifier.contains(Version(pins[name]).public, prereleases=True), (
            f"locked {name}=={pins[name]} is outside pyproject.toml's {requirement}"
        )


def test_the_installed_dependencies_are_the_locked_versions():
    pins = locked_versions()
    for requirement in declared_requirements():
        name = canonicalize_name(requirement.name)
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "not installed"
        assert installed == pins[name], f"{name}: installed {installed}, locked {pins[name]}"


def test_the_lock_names_no_package_index():
    # the machine's pip configuration chooses the index; a URL here would override it
    text = (REPO_ROOT / "constraints.txt").read_text()
    assert "://" not in text and "--index-url" not in text and "--extra-index-url" not in text


def test_environment_versions_name_the_locked_torch_and_python_3_11():
    from p3lib.store.environment import environment_versions

    versions = environment_versions()
    assert versions["python"].startswith("3.11.")  # pyproject.toml's requires-python
    assert versions["torch"] == locked_versions()["torch"]
    assert versions["umap-learn"] == locked_versions()["umap-learn"]

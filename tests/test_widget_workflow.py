"""The publishing workflow runs the README's main command and publishes the folder it writes."""

from __future__ import annotations

import re

import yaml

from p3lib.book.build import DEFAULT_HTML
from p3lib.store.run_layout import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "book.yml"


def readme_main_command() -> str:
    """The first command of the README's "Two commands" block (the one that builds the book)."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Two commands", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return block.splitlines()[0].split("#")[0].strip()


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def test_readme_main_command_is_make_book():
    assert readme_main_command() == "make book"


def test_workflow_builds_with_the_readme_command_and_publishes_the_book():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    # PyYAML reads the key `on` as True.
    triggers = workflow.get("on", workflow.get(True))
    assert "main" in triggers["push"]["branches"]
    build = steps(workflow, "build")
    runs = [step["run"] for step in build if "run" in step]
    assert any(run.split()[:2] == readme_main_command().split() for run in runs), runs
    setup = next(step for step in build if step.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["python-version"] == "3.11"
    upload = next(
        step for step in build if step.get("uses", "").startswith("actions/upload-pages-artifact")
    )
    # The folder the main command writes the book to.
    assert upload["with"]["path"] == DEFAULT_HTML.relative_to(REPO_ROOT).as_posix() == "_build/html"
    # The build step comes before the upload.
    assert build.index(upload) > next(
        i for i, s in enumerate(build) if "make book" in s.get("run", "")
    )
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert any(step.get("uses", "").startswith("actions/deploy-pages") for step in deploy["steps"])
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}

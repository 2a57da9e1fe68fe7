"""For authors: `katas new` writes a kata that meets the contract in its place, and `katas check` checks one kata."""

import re
import shutil
import sys

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from katas.core.curriculum import INSTALLED_ROOT, load_curriculum
from tests.test_cli import clone, katas_in  # noqa: F401  (clone: a fixture, a git copy of the repository)

# The 15 s default is a learner's guard against hangs; `katas check` runs pytest twice.
pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def repository(clone):  # noqa: F811
    """The clone, with the README whose table of katas `katas new` extends."""
    shutil.copy(INSTALLED_ROOT / "README.md", clone / "README.md")
    return clone


def test_new_writes_a_kata_that_meets_the_contract_in_its_place_and_renumbers_the_rest(repository):
    before = [kata.folder for kata in load_curriculum(repository)]
    after = before[4]
    output = katas_in(repository, "new", "layer_norm", "--after", after, "--title", "Normalization by hand")
    number = int(after[:2]) + 1
    folder = f"{number:02d}_layer_norm"
    assert f"Wrote {folder}: Normalization by hand" in output, output
    expected = [*before[:number], folder, *(f"{int(old[:2]) + 1:02d}{old[2:]}" for old in before[number:])]
    curriculum = tomllib.loads((repository / "katas" / "curriculum.toml").read_text(encoding="utf-8"))
    assert [entry["folder"] for entry in curriculum["kata"]] == expected
    for moved in expected[number + 1 :]:
        assert (repository / "katas" / moved).is_dir() and (repository / "reference" / moved).is_dir(), moved
    readme = (repository / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d\d) \| `(\w+)` \|", readme, flags=re.MULTILINE)
    assert rows == [(name[:2], name) for name in expected], rows
    check = katas_in(repository, "check", "layer_norm")
    assert f"{folder} meets the contract" in check, check
    for moved in expected[number + 1 : number + 2]:  # a renumbered kata still meets it (its notebook rewritten)
        assert "meets the contract" in katas_in(repository, "check", moved[3:])


def test_new_refuses_a_topic_that_exists_and_changes_nothing(repository):
    before = sorted(path.name for path in (repository / "katas").iterdir())
    output = katas_in(repository, "new", "autograd", "--after", "00", expect=2)
    assert "there is a kata called autograd already" in output, output
    assert sorted(path.name for path in (repository / "katas").iterdir()) == before


def test_check_names_what_breaks_the_contract(repository):
    kata = next(kata for kata in load_curriculum(repository) if kata.topic == "losses")
    stub = kata.stub_path.read_text(encoding="utf-8")
    kata.stub_path.write_text(stub.replace("import torch\n", ""), encoding="utf-8")
    output = katas_in(repository, "check", "losses", expect=1)
    assert "✘ its files, lesson, hints and notebook" in output and "should import these" in output, output
    assert "✔ every test passes on the reference" in output, output

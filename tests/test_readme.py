"""The README's quick start stays true: CI runs exactly its install and test commands."""

from katas.core.curriculum import INSTALLED_ROOT as REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
CI_SCRIPT = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
PROJECT_INSTALL = 'pip install -e ".[dev,notebook]"'
PROJECT_TESTS = "pytest --reference --require-data -n auto katas tests"


def test_ci_runs_the_readme_install_and_test_commands():
    quick_start = f"python3 -m venv .venv && . .venv/bin/activate && {PROJECT_INSTALL} && {PROJECT_TESTS}"
    assert quick_start in README, f"the README's quick start should contain: {quick_start}"
    ci_lines = [line.strip() for line in CI_SCRIPT.splitlines()]
    for command in (PROJECT_INSTALL, PROJECT_TESTS):
        assert command in ci_lines, f".ci/run should run the README's command: {command}"
    for step in ('"$python" -m venv .venv', ". .venv/bin/activate"):
        assert step in CI_SCRIPT, f".ci/run should make and use the README's virtual environment: {step}"


def test_readme_lists_every_kata():
    from katas.core.curriculum import load_curriculum

    missing = [kata.folder for kata in load_curriculum(REPO_ROOT) if f"`{kata.folder}`" not in README]
    assert not missing, f"the README's table of katas is missing: {missing}"


def test_the_quick_start_installs_the_cpu_only_build_then_writes_a_workspace():
    learn = (
        "pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu && "
        'pip install "torch-katas @ git+https://github.com/torch-katas/torch-katas" && katas init && cd torch-katas && katas'
    )
    quick_start = README[README.index("## Quick start") : README.index("## How to work through a kata")]
    first_command = quick_start[
        quick_start.index("```bash") : quick_start.index("```", quick_start.index("```bash") + 3)
    ]
    assert learn in first_command, f"the quick start's first command should install, then write a workspace: {learn}"


def test_the_notebook_extra_brings_a_front_end_the_readme_names():
    from importlib.metadata import requires

    notebook_extra = [need for need in requires("torch-katas") if 'extra == "notebook"' in need]
    assert any(need.startswith("jupyterlab") for need in notebook_extra), notebook_extra
    assert "`jupyter lab`" in README, "the README should name the command that opens a notebook"

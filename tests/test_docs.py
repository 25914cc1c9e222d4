"""The documentation: a README a newcomer can read, reference pages generated from the code (never stale),
links that lead somewhere, and seeds that are the shared ones."""

from __future__ import annotations

import re
from pathlib import Path

from newsbot.cli import COMMANDS, build_parser
from newsbot.config.settings import Settings, setting_origins
from newsbot.docgen import GENERATED

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
DOCS = ROOT / "docs"


def test_the_generated_reference_pages_are_up_to_date() -> None:
    for name, make in GENERATED.items():
        assert (DOCS / name).read_text() == make(), f"docs/{name} is stale: run `make docs`"


def test_every_command_option_and_setting_is_in_the_reference() -> None:
    commands = (DOCS / "commands.md").read_text()
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in COMMANDS:
        assert f"## newsbot {name}" in commands, name
        for action in subparsers.choices[name]._actions:  # type: ignore[attr-defined]
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert flag in commands, f"{name} {flag}"
    configuration = (DOCS / "configuration.md").read_text()
    for dotted in setting_origins(Settings()):
        assert f"`{dotted}`" in configuration, dotted


def test_the_readme_is_short_and_names_the_two_setup_commands() -> None:
    assert len(README.encode()) <= 12_000
    assert re.search(r"make repl\s+# creates \.venv, installs newsbot, indexes seeds/, opens the REPL", README)
    assert "make test" in README
    assert "newsbot index --corpus" in README  # how to index your own folder, in the quick part


def test_every_relative_link_leads_to_a_file() -> None:
    for page in [ROOT / "README.md", ROOT / "BENCHMARKS.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to {target}, which does not exist"


def test_seeds_are_byte_for_byte_the_shared_ones() -> None:
    shared = ROOT.parent / "shared" / "seeds"
    if not shared.is_dir():  # a checkout without ../shared beside it still has its own seeds
        assert sorted(p.name for p in (ROOT / "seeds").iterdir())
        return
    ours = {p.name: p.read_bytes() for p in (ROOT / "seeds").iterdir()}
    theirs = {p.name: p.read_bytes() for p in shared.iterdir()}
    assert ours == theirs

"""The README documents every command, option and setting (and the seeds are the shared ones)."""

from __future__ import annotations

import re
from pathlib import Path

from newsbot.cli import COMMANDS, build_parser
from newsbot.config.settings import Settings, setting_origins

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


def test_every_command_and_option_is_in_the_readme() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in COMMANDS:
        assert f"newsbot {name}" in README, name
        for action in subparsers.choices[name]._actions:  # type: ignore[attr-defined]
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert flag in README, f"{name} {flag}"


def test_every_setting_is_in_the_readme() -> None:
    for dotted in setting_origins(Settings()):
        assert f"`{dotted}`" in README, dotted


def test_the_readme_names_the_two_setup_commands() -> None:
    assert re.search(r"make repl\s+# creates \.venv, installs newsbot, indexes seeds/, opens the REPL", README)
    assert "make test" in README


def test_seeds_are_byte_for_byte_the_shared_ones() -> None:
    shared = ROOT.parent / "shared" / "seeds"
    if not shared.is_dir():  # a checkout without ../shared beside it still has its own seeds
        assert sorted(p.name for p in (ROOT / "seeds").iterdir())
        return
    ours = {p.name: p.read_bytes() for p in (ROOT / "seeds").iterdir()}
    theirs = {p.name: p.read_bytes() for p in shared.iterdir()}
    assert ours == theirs

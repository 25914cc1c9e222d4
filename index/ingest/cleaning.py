"""Cleaning article text: page furniture removed by rules (corpus.cleaning; the default rules are in
config/settings.py), runs of non-words left out."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsbot.config.settings import CleaningSettings


class Cleaner:
    """Removes page furniture line by line; every kept sentence stays verbatim."""

    def __init__(self, settings: CleaningSettings) -> None:
        self.enabled = settings.enabled
        self._line = [re.compile(p) for p in settings.line_patterns + settings.extra_line_patterns]
        self._inline = [re.compile(p) for p in settings.inline_patterns]

    def clean_line(self, line: str) -> str:
        if not self.enabled:
            return line.rstrip()
        for pattern in self._inline:
            line = pattern.sub("", line)
        stripped = line.strip()
        if any(pattern.fullmatch(stripped) for pattern in self._line):
            return ""
        return line.rstrip()

    def clean(self, text: str) -> str:
        """Drop furniture lines, trim line ends and fold runs of blank lines into one."""
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
        out: list[str] = []
        for raw in text.split("\n"):
            line = self.clean_line(raw).strip()
            if line:
                out.append(line)
            elif out and out[-1] != "":
                out.append("")
        return "\n".join(out).strip()


LONGEST_WORD = 1000
_NOT_A_WORD = re.compile(r"\S{" + str(LONGEST_WORD + 1) + ",}")


def not_words(text: str) -> tuple[str, list[str]]:
    """The text without NUL bytes and runs of more than LONGEST_WORD characters without a space, and what was
    left out, said in words (the file keeps them; quotes come from what is indexed)."""
    notes = []
    nuls = text.count("\x00")
    if nuls:
        text = text.replace("\x00", "")
        notes.append(f"{nuls} NUL byte{'s' if nuls != 1 else ''} left out (not text)")
    runs = _NOT_A_WORD.findall(text)
    if runs:
        text = _NOT_A_WORD.sub("", text)
        notes.append(
            f"{len(runs)} run{'s' if len(runs) != 1 else ''} of over {LONGEST_WORD:,} characters without a space "
            f"left out ({sum(map(len, runs)):,} characters; not words, e.g. encoded data)"
        )
    return text, notes

"""Cleaning article text: page furniture removed by rules (corpus.cleaning, defaults below), runs of non-words
left out."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the settings take their defaults from here
    from newsbot.config.settings import CleaningSettings

# Page furniture, one regular expression per rule. A rule that matches a whole line (after
# stripping) drops the line; INLINE_FURNITURE rules cut only the matched text out of a line.
DEFAULT_LINE_FURNITURE = [
    r"(?i)[•·*\-\s]*(print friendly, pdf (&|and) email|print friendly|send to kindle|print this( article| page)?|"
    r"email this( article| page)?|share this( article| story)?|share on (facebook|twitter|linkedin|whatsapp|x)|"
    r"tweet( this)?|share|email|print|pin it|save|copy link)[\s:]*",
    r"(?i)please let us know if you'?re having issues with commenting\.?",
    r"(?i)(we|this (web)?site) uses? cookies\b.{0,200}",
    r"(?i)(accept|manage) (all )?cookies|cookie (policy|settings|preferences)",
    r"(?i)advertisement|sponsored( content)?|skip advertisement|story continues below advertisement",
    r"(?i)(sign up|subscribe) (for|to) (our|the) [\w\s]{0,40}newsletters?\b.{0,120}",
    r"(?i)(ap|afp|reuters|getty images|ap photo|afp photo|reuters photo|photo|file photo)(\s*/\s*[\w .,'-]{1,60})?",
    r"(?i)(photo|image|picture|credit|photo credit)s?\s*:.{0,120}",
    r"(?i)(click|tap) here to .{0,80}",
    r"(?i)(\d+\s+)?comments?|leave a comment|view comments|show comments",
    # Ad-feedback widgets and newsletter sign-up / data-consent boxes captured with the page.
    r"(?i)(\d+\.\s*)?how relevant is this ad to you\??",
    r"(?i)video player was slow to load content\b.{0,300}",
    r"(?i).{0,240}\bsign up here\b.{0,120}",
    r"(?i)would you like to receive (the|our) .{0,60}newsletter\s*\??",
    r"(?i)the [\w ]{1,40} newsletter provides you with\b.{0,200}",
    r"(?i)we will use the (details|information) you have shared\b.{0,600}",
    r"(?i)if you wish to object to the use of your data\b.{0,200}",
    r"(?i)['\u2018\u2019]we['\u2018\u2019] includes .{0,160}",
]
DEFAULT_INLINE_FURNITURE = [
    r"\[(?i:photo|photos|image|images|picture|credit|photo credit|video)\s*:[^\]\n]{0,200}\]",
]


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

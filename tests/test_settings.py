"""Settings: precedence of sources, nested sections, clear errors, and the documented defaults."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from newsbot.config.errors import ConfigError
from newsbot.config.settings import Settings, load_settings, setting_origins

ROOT = Path(__file__).parent.parent


def test_precedence_arguments_env_dotenv_toml_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    toml = tmp_path / "n.toml"
    toml.write_text("[retrieval]\nk = 3\ncandidates = 30\nrrf_k = 10.0\n[answer]\nmax_sentences = 4\n")
    monkeypatch.setenv("NEWSBOT_CONFIG", str(toml))
    (tmp_path / ".env").write_text("NEWSBOT_RETRIEVAL__K=4\nNEWSBOT_RETRIEVAL__CANDIDATES=40\n")
    monkeypatch.setenv("NEWSBOT_RETRIEVAL__K", "5")
    settings = load_settings(answer={"max_sentences": 1})
    assert settings.answer.max_sentences == 1  # argument beats TOML
    assert settings.retrieval.k == 5  # environment beats .env and TOML
    assert settings.retrieval.candidates == 40  # .env beats TOML
    assert settings.retrieval.rrf_k == 10.0  # TOML beats default
    assert settings.retrieval.dense_weight == 1.0  # default
    origins = setting_origins(settings)
    assert origins["retrieval.k"][1] == "environment"
    assert origins["retrieval.candidates"][1] == ".env"
    assert origins["retrieval.rrf_k"][1] == str(toml)
    assert origins["retrieval.dense_weight"][1] == "default"


def test_invalid_values_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_RETRIEVAL__K", "lots")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith("invalid setting retrieval.k = 'lots': Input should be a valid integer")
    assert "NEWSBOT_RETRIEVAL__K" in str(info.value)


def test_overlap_must_be_below_chunk_size_and_patterns_must_compile() -> None:
    with pytest.raises(
        ConfigError, match=r"index.chunk_overlap = 250: must be smaller than index.chunk_tokens \(200\)"
    ):
        load_settings(index={"chunk_overlap": 250, "chunk_tokens": 200})
    with pytest.raises(ConfigError, match=r"corpus.cleaning.extra_line_patterns .* is not a valid regular expression"):
        load_settings(corpus={"cleaning": {"extra_line_patterns": ["(unclosed"]}})


def test_unknown_settings_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "n.toml"
    toml.write_text("[retrieval]\ntop_k = 3\n")
    monkeypatch.setenv("NEWSBOT_CONFIG", str(toml))
    with pytest.raises(
        ConfigError, match=r"^invalid setting retrieval.top_k: there is no such setting; did you mean retrieval.k\? "
    ):
        load_settings()


def test_a_missing_config_file_named_by_env_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="NEWSBOT_CONFIG names .*nope.toml, which is not a file"):
        load_settings()


def test_the_default_toml_is_valid_and_mentions_every_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    path = ROOT / "config" / "newsbot.toml"
    monkeypatch.setenv("NEWSBOT_CONFIG", str(path))
    settings = load_settings()
    assert settings == Settings(corpus={"paths": ["seeds"]})  # it only restates defaults
    text = path.read_text()
    tomllib.loads(text)
    sections: dict[str, str] = {}  # each [section]'s own lines
    for block in re.split(r"^(?=\[)", text, flags=re.M)[1:]:
        header, _, body = block.partition("\n")
        sections[header.strip("[] ")] = body
    for dotted in setting_origins(settings):
        section, key = dotted.rsplit(".", 1)
        # set, or shown commented out with its default, under its own section header
        assert re.search(rf"^#? ?{re.escape(key)} = ", sections.get(section, ""), flags=re.M), dotted

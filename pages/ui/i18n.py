"""Every string a user reads, in English and Korean: ``t("key", **values)`` looks it up.

The catalogues are one TOML file per language in ``pages/ui/locales/`` — a reviewed table a translator
edits directly (comments for context, multi-line text, no compile step; ``tests/test_i18n.py`` fails when
one catalogue lacks a key or a ``{placeholder}`` the other has). Korean follows the terms of the Korean
edition of Hands-On ML ch. 17 (오토인코더, 잠재 공간, 생성자, 판별자, …).
"""

from __future__ import annotations

import functools
import string
import tomllib
from pathlib import Path

import streamlit as st

LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
LOCALES = Path(__file__).resolve().parent / "locales"
LANGUAGE_KEY = "kept-lang"


def _flatten(table: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


@functools.cache
def catalogue(language: str) -> dict[str, str | list[str]]:
    """The flattened catalogue of ``language`` (keys like ``"gan.title"``), read once per process."""
    with open(LOCALES / f"{language}.toml", "rb") as f:
        return _flatten(tomllib.load(f))


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a message expects."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def language() -> str:
    """The session's language (set by the frame from the URL, the switch or the browser)."""
    lang = st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def browser_language() -> str:
    """The browser's preferred language if we have it (``st.context.locale``, e.g. ``ko-KR``), else English."""
    try:
        locale = str(st.context.locale or "")
    except Exception:  # no browser (AppTest, a bare script run)
        locale = ""
    code = locale.split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, _lang: str | None = None, **values) -> str:
    """The message ``key`` in the session's language (or ``_lang``), formatted with ``values``."""
    text = catalogue(_lang or language())[key]
    return text.format(**values) if values else text


def labeler(prefix: str, suffix: str = ""):
    """A widget ``format_func`` showing ``t(prefix + option + suffix)`` in the session's language *now*:
    Streamlit may call it outside the script run (tests do), where the session is not at hand."""
    lang = language()
    return lambda option: t(f"{prefix}{option}{suffix}", _lang=lang)


def t_list(key: str) -> list[str]:
    """A list-valued entry (e.g. class names) in the session's language."""
    return list(catalogue(language())[key])


def class_names(dataset: str) -> list[str]:
    return t_list(f"classes.{dataset}")


def model_title(name: str, lang: str | None = None) -> str:
    return t(f"models.{name}.title", _lang=lang)


def model_summary(name: str) -> str:
    return t(f"models.{name}.summary")

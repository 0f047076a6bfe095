"""``<html lang>`` follows the chosen language, so a screen reader reads Korean as Korean (Streamlit's page
says ``lang="en"`` whatever its content). A tiny inline component: its script runs in the page itself."""

from __future__ import annotations

import streamlit as st

# The language travels as bytes (a Uint8Array in the browser): Streamlit type-checks a str or dict against
# pandas' types, which would import pandas on every page's first run (``test_app``: no pandas).
_JS = (
    "export default function (component) { document.documentElement.lang = new TextDecoder().decode(component.data); }"
)
_COMPONENT = st.components.v2.component("latent_lab.document_language", js=_JS)
_SET = "document-language-set"  # this session has mounted the component once: keep it in step from then on


def set_document_language(lang: str) -> None:
    """Streamlit's page starts as ``lang="en"``: an English session that never chose another language needs
    no component (whose frontend code would otherwise load before a cold page's first picture)."""
    if lang == "en" and not st.session_state.get(_SET):
        return
    st.session_state[_SET] = True
    _COMPONENT(key="document-language", data=lang.encode())

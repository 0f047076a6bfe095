"""English and Korean: the catalogues agree, every page draws in the chosen language, and the choice
comes from the URL (``?lang=ko``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from models.registry import IMAGE_DATASETS, REGISTRY
from pages.ui.i18n import LANGUAGES, catalogue, placeholders

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = [None, "reconstruction", "denoising", "latent_space", "beta_vae", "gan", "why", "learn"]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Acronyms and names the Korean text keeps in Latin letters, as the textbook does.
KEPT_LATIN = {
    "mnist",
    "fashion",
    "vae",
    "gan",
    "dcgan",
    "pca",
    "mse",
    "psnr",
    "ssim",
    "kl",
    "lstm",
    "cnn",
    "elbo",
    "selu",
    "png",
    "jpeg",
    "gif",
    "url",
    "db",
    "latent",
    "lab",
    "json",
    "cmyk",
    "rgb",
    "truncation",
    "real",
    "auroc",
}


def test_catalogues_have_the_same_keys_and_placeholders():
    en, ko = catalogue("en"), catalogue("ko")
    assert set(en) == set(ko), set(en) ^ set(ko)
    for key, text in en.items():
        if isinstance(text, list):
            assert isinstance(ko[key], list) and len(ko[key]) == len(text), key
        else:
            assert placeholders(text) == placeholders(ko[key]), key


def test_every_model_and_dataset_is_in_each_catalogue():
    for lang in LANGUAGES:
        entries = catalogue(lang)
        for name in REGISTRY:
            assert entries[f"models.{name}.title"] and entries[f"models.{name}.summary"], (lang, name)
        for dataset in IMAGE_DATASETS:
            assert len(entries[f"classes.{dataset}"]) == 10


def test_every_key_the_code_uses_exists():
    """Static ``t("…")`` keys in the app's code: a typo would crash a page only when it is drawn."""
    used = set()
    for path in [ROOT / "app.py", *(p for p in (ROOT / "pages").rglob("*.py") if p.name != "i18n.py")]:
        used |= set(re.findall(r'\bt\("([a-z_.0-9]+)"', path.read_text()))
    assert used, "the scan found no keys"
    missing = used - set(catalogue("en"))
    assert not missing, missing


# Korean terms of the textbook (Hands-On ML, Korean edition) and the words a native review replaced.
KOREAN_GLOSSARY = {
    "가우시안": "가우스",
    "nats": "내트",
    "재매개변수화 기법": "재매개변수화 트릭",
    "레이블 전파": "레이블 확산",
    "이(가)": "a sentence without the bracketed particle (screen readers read it aloud)",
}


def test_korean_uses_the_textbook_terms():
    ko = catalogue("ko")
    for key, text in ko.items():
        for line in text if isinstance(text, list) else [text]:
            for wrong, right in KOREAN_GLOSSARY.items():
                assert wrong not in line, f"{key}: {wrong!r} should be {right!r}"
    assert ko["learn.train"] == "훈련" and ko["learn.status_other_lesson"].startswith("내 트레이너가")
    denoised = ko["alt.denoised"].format(
        title="t", noise=ko["dn.noise.gaussian"], level=0.5, input="i", psnr=20.0, ssim=0.5
    )
    assert denoised.count("잡음") == 1, denoised


def _texts(at: AppTest) -> list[str]:
    """Every string the page shows: text elements, widget labels and options, image captions, chart titles."""
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        out += [str(e.value) for e in at.get(kind)]
    for kind in (
        "slider",
        "select_slider",
        "selectbox",
        "radio",
        "number_input",
        "toggle",
        "button_group",  # segmented controls and pills
        "expander",
        "download_button",
        "file_uploader",
        "metric",
    ):
        for e in at.get(kind):
            out.append(str(getattr(e, "label", "") or ""))
            out += [str(o) for o in getattr(e, "options", None) or []]
    for e in at.get("image"):
        out += [img.caption for img in e.proto.imgs]
    for e in at.get("plotly_chart"):
        spec = json.loads(e.proto.spec)
        out += re.findall(r'"text":\s*"([^"]*)"', json.dumps(spec.get("layout", {}), ensure_ascii=False))
        out += [str(trace.get("name", "")) for trace in spec.get("data", [])]
    for e in at.get("arrow_data_frame"):
        out += [str(c) for c in e.value.columns]
    out = [re.sub(r"<style>.*?</style>", "", s, flags=re.S) for s in out]  # the page's CSS is not read
    return [re.sub(r"`[^`]*`", "", s) for s in out if s]  # commands in backticks stay in English


def _english_sentences(texts: list[str]) -> list[str]:
    """Runs of three or more Latin words (between any non-Latin characters) that are not acronyms or names
    the Korean text keeps."""
    found = []
    for text in texts:
        for run in re.split(r"[^A-Za-z'’\- ,.:;()]+", text):
            words = [
                w
                for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", run)
                if len(w) > 1 and w.lower().split("-")[0] not in KEPT_LATIN
            ]
            if len(words) >= 3:
                found.append(run.strip())
    return found


def _open(page: str | None, lang: str, dataset: str = "mnist") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = lang
    at.query_params["dataset"] = dataset
    at.run()
    if page:
        at.switch_page(f"pages/views/{page}.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", PAGES)
def test_korean_page_shows_no_english_sentence(page):
    at = _open(page, "ko", "fashion_mnist")
    texts = _texts(at)
    assert sum(bool(HANGUL.search(s)) for s in texts) >= 5, texts[:20]  # it is drawn in Korean
    assert not _english_sentences(texts), _english_sentences(texts)
    assert at.query_params["lang"] == ["ko"] or at.query_params["lang"] == "ko"


@pytest.mark.parametrize("page", PAGES)
def test_english_page_shows_no_korean(page):
    texts = _texts(_open(page, "en"))
    assert texts and not [s for s in texts if HANGUL.search(s) and s not in LANGUAGES.values()]


def test_unknown_language_in_the_url_falls_back_to_english():
    at = _open(None, "xx")
    assert at.title[0].value == "Latent Lab" and not HANGUL.search(at.markdown[0].value)
    assert at.query_params["lang"] in ("en", ["en"])


def test_detector_finds_an_english_sentence():
    """The check above can fail: it flags a plain English sentence and passes Korean with acronyms."""
    assert _english_sentences(["이것은 VAE의 잠재 공간", "Decode a point here"]) == ["Decode a point here"]
    assert not _english_sentences(["합성곱 VAE (2차원 잠재 공간) · MSE 0.0021", "Fashion-MNIST PCA"])

"""The layout states the rule: only ``models/nets/`` imports Keras, the app runs with TensorFlow blocked, and
no module of ``models/`` imports itself back through another."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from bench.harness import ROOT

MODELS = ROOT / "models"
TRAINING_ONLY = ("tensorflow", "keras", "sklearn")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """(module, line) of every import in the file, lazy ones included, except under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(node)
        for branch in ast.walk(tree)
        if isinstance(branch, ast.If) and getattr(branch.test, "id", None) == "TYPE_CHECKING"
        for child in branch.body
        for node in ast.walk(child)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, node.lineno))
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names]
    return found


def test_only_models_nets_imports_keras():
    """Nothing in ``models/`` outside ``nets/``, and nothing of live training the app imports, names Keras,
    TensorFlow or scikit-learn (lazily either)."""
    app_side = [ROOT / "training" / "live" / f"{name}.py" for name in ("supervisor", "protocol")]
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in [*MODELS.rglob("*.py"), *app_side]
        if "nets" not in path.relative_to(ROOT).parts
        for name, line in _imports(path)
        if name.split(".")[0] in TRAINING_ONLY
    ]
    assert not offenders, offenders


def test_no_import_cycle_in_models():
    modules = {_module_name(p): p for p in MODELS.rglob("*.py")}
    edges = {
        name: {target for target, _ in _imports(path) if target in modules and target != "models"}
        for name, path in modules.items()
    }
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges[node]):
            assert state.get(nxt) != "open", " → ".join([*trail, node, nxt])
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = "done"

    for name in sorted(modules):
        if name not in state:
            visit(name, [])
    assert "models.runtime.inference" in edges and "models.eval.evaluation" in edges


# The only training modules the app imports: live training's side that starts and steers worker processes.
APP_SIDE = ("training", "training.live", "training.live.supervisor", "training.live.protocol")
BLOCKER = f"""
import importlib.abc, sys
APP_SIDE = {APP_SIDE!r}

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        top = name.split(".")[0]
        if top in ("tensorflow", "keras", "sklearn") or name.startswith("models.nets") or (
            top == "training" and name not in APP_SIDE
        ):
            raise ImportError(f"blocked for the app: {{name}}")
        return None

sys.meta_path.insert(0, Blocked())
"""


def test_the_app_runs_with_tensorflow_and_keras_blocked():
    """The runtime, the frame and every view import, and a model loads and runs, with TensorFlow, Keras,
    scikit-learn, ``models.nets`` and ``training`` unimportable."""
    app_modules = sorted(
        _module_name(p)
        for folder in ("models/runtime", "models/eval", "models/data", "models/analysis", "pages/ui", "pages/views")
        for p in (ROOT / folder).glob("*.py")
    )
    code = BLOCKER + (
        "import importlib\n"
        f"for name in {app_modules!r}: importlib.import_module(name)\n"
        "import models.checkpoints, models.registry\n"
        "from models.runtime.graph import NUMPY\n"
        "from models.runtime.inference import load_model\n"
        "m = load_model('mnist', 'vae_conv_2d', runtime=NUMPY); m.decode(m.encode(m.decode([[0.0, 0.0]])))\n"
        "print('ok', len(sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[0] == "ok"
    assert "pages.views.home" in app_modules and "models.runtime.graph" in app_modules


def test_the_blocker_blocks():
    """The test above can fail: the same blocker refuses a module that does need Keras."""
    out = subprocess.run(
        [sys.executable, "-c", BLOCKER + "import models.nets.vae\n"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode != 0 and "blocked for the app: models.nets" in out.stderr


def test_the_background_pandas_import_never_overlaps_a_run():
    """Plotly reads ``sys.modules["pandas"]`` without importing it: a figure built while another thread imported
    pandas met it half initialised. The import waits for a moment without runs; a run that starts meanwhile
    waits for the import."""
    import threading
    import time

    from pages.ui.layout import _RunsAndImport

    runs, log = _RunsAndImport(), []
    with runs.run():
        assert runs.alone(lambda: log.append("import"), timeout=0.2) is False  # a run is under way: not now
    assert log == []

    def slow_import() -> None:
        log.append("import starts")
        time.sleep(0.3)
        log.append("import ends")

    importer = threading.Thread(target=runs.alone, args=(slow_import, 5.0))
    importer.start()
    time.sleep(0.1)
    with runs.run():  # started during the import
        log.append("run")
    importer.join()
    assert log == ["import starts", "import ends", "run"]

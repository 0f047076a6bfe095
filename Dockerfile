# Latent Lab: the app on its committed checkpoints, one Streamlit replica per container (no dataset, no
# TensorFlow: the app runs the networks in NumPy). Scale with deploy/compose.yaml or deploy/k8s/.
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY deploy/requirements-serve.txt deploy/requirements-serve.txt
RUN pip install --no-cache-dir -r deploy/requirements-serve.txt \
    && useradd --create-home --uid 10001 latentlab

COPY .streamlit/ .streamlit/
COPY app.py ./
COPY models/ models/
COPY pages/ pages/
COPY training/__init__.py models/data/samples.py training/
COPY checkpoints/ checkpoints/
# Bytecode compiled once here: PYTHONDONTWRITEBYTECODE (and a read-only /app for uid 10001) would otherwise
# make every replica start compile the app's modules again (docs/DECISIONS.md).
RUN python -m compileall -q app.py models pages training

USER 10001
EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2).status != 200)"]
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501", \
     "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]

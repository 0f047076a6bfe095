"""The computations behind each page, one module per topic, as plain functions of loaded models and arrays:
no file reading (``models/checkpoints.py`` reads what training stored) and no drawing (``pages/``)."""

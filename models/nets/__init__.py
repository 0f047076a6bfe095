"""The Keras side: network builders, custom layers and the trainers' models. The only code in ``models/`` that
imports Keras or TensorFlow; the app never imports this package (``tests/test_graph.py`` blocks it)."""

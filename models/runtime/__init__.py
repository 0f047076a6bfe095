"""What the app runs: a checkpoint's ``.keras`` file executed in NumPy (``graph``), wrapped per family
(``inference``), and decoders exported for the browser (``export``). No TensorFlow here; the Keras runtime of
``inference`` imports it lazily, for training and cards only."""

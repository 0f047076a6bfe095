"""Live training for the Watch it learn page: one worker process per running lesson trains the zoo's own Keras
models and streams snapshots; the app side (``supervisor``, ``protocol``) imports no TensorFlow."""

"""Serving a class: N Streamlit replicas behind HAProxy with cookie stickiness (``python -m deploy``).

Why replicas: one Streamlit server is one Python process, so it uses one core however many the machine has.
Why HAProxy and a cookie: a session's websocket, uploads and media live in the one process that made them,
so every request of a browser must reach the same replica; source-IP hashing would put a whole class behind
one school NAT address on one replica, a cookie the balancer sets does not.
"""

"""Latent Lab: ``streamlit run app.py``. The frame (navigation, sidebar, URL state) is ``pages/ui/frame.py``;
the pages are ``pages/views/*.py``.

Streamlit runs this file as each page's script (``__main__``: draw the app). ``streamlit run`` finds the
``st.App`` below and serves it, importing this file as a module: the same server, plus the class rooms' push
routes (``models/rooms/push.py``: the lecturer's gestures to followers' canvases without a rerun)."""

if __name__ == "__main__":
    from pages.ui.frame import run

    run()
else:
    import streamlit as st

    from models.rooms.push import routes
    from models.rooms.store import process_store

    app = st.App(__file__, routes=routes(process_store))

"""Entry for a fresh server's first visit to this URL (see pages/ui/frame.py): draws the app's frame."""

from pages.ui.frame import run

run()

"""The browser chat page (Gradio). This package is the only one that imports gradio, and imports it lazily."""

import os

# Gradio reports usage to its makers unless told not to; set before any module of this package imports it.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

"""Demo websites for the chat widget (web/server.py); the widget itself is web/widget."""

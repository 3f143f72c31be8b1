"""Starts Rasa with this project's patches: `python -m rasa_server run ...` takes any `rasa` command line.

The one way this project starts the Rasa server (scripts, tests, the bench, the Docker image): the patches are
installed before Rasa reads its arguments, so no model, channel or store has to install them as a side effect.
"""

from __future__ import annotations

from rasa.__main__ import main

from rasa_server.patches import install

if __name__ == "__main__":
    install()
    main()

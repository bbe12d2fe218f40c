"""One module per ``subtitle-pipeline`` command: ``register(subparsers)`` sets ``run``."""

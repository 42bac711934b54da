"""The project's code: one module per responsibility; run it with ``python -m src.train``."""

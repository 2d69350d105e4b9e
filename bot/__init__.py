"""briefbot: cited, extractive briefings from a team's documents."""

from pathlib import Path

__version__ = "0.1.0"

# Lexicons and learned weights shipped with the package. A path beside this module rather than
# importlib.resources: the latter fails when `bot` resolves as a namespace package (a stale
# editable install run from outside the repo).
DATA_DIR = Path(__file__).resolve().parent / "data"

"""Trust and growth: land and expand, approval layers, innovation adoption, first-year closures."""

from helpers.growth.core import *  # noqa: F403
from helpers.growth.core import __all__  # noqa: F401

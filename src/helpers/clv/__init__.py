"""Customer lifetime value: RFM summary, BG/NBD and Gamma-Gamma models, forecasts and their checks."""

from helpers.clv.core import *  # noqa: F403
from helpers.clv.core import __all__  # noqa: F401

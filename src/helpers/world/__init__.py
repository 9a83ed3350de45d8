"""The sample world: a seeded synthetic B2B sales world, apart from the pipeline.

It writes raw exports that the pipeline then reads like any user's data; nothing in the pipeline
imports it (only the teaching app does, to rebuild a world when a student moves a slider).
"""

from helpers.world.generate import *  # noqa: F403
from helpers.world.generate import __all__  # noqa: F401

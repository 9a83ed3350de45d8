"""``python -m helpers.world``: write a sample world (see :func:`helpers.world.generate.main`)."""

import sys

from helpers.world.generate import main

sys.exit(main())

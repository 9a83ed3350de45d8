"""``python -m helpers.world``: write a sample world (see :func:`helpers.world.write.main`)."""

import sys

from helpers.world.write import main

sys.exit(main())

"""``python -m nvbench.cli``: the command line."""

import sys

from nvbench.cli import main

sys.exit(main())

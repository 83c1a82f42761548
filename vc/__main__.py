"""`python -m vc ...`: verify, sign and keygen from the command line (see vc/cli.py)."""

import sys

from vc.cli import main

sys.exit(main())

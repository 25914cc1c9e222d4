"""`python -m newsbot` is the `newsbot` command."""

import sys

from newsbot.cli import main

sys.exit(main())

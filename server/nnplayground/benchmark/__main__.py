"""`python -m nnplayground.benchmark` = `nnplayground bench`."""

import sys

from nnplayground.benchmark import main

raise SystemExit(main(sys.argv[1:]))

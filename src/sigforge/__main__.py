"""``python -m sigforge`` runs the command line."""

from sigforge.cli import main

raise SystemExit(main())

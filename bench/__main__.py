"""`python -m bench`: run the benchmarks and print the table of figures."""

from bench.cli import main

raise SystemExit(main())

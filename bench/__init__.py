"""Benchmarks. Each prints its numbers next to a baseline measured in the same run
(``make bench``, or ``python -m bench.run_all``); see ``bench/README.md``."""

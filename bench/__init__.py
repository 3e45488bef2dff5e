"""`invoke bench`: the benchmark (run.py), its fixture generator (generate.py) and profiler glue (profiling.py)."""

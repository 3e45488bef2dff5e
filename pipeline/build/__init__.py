"""Building dist/: finding the sources, planning what is stale (fingerprints), running the writers in
worker processes, staging each article's folder and swapping it in whole, the manifest and progress.
May import every other folder of the pipeline; nothing imports it but tasks.py."""

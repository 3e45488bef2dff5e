"""What stops a hostile source before anything reads it further: the one door to a source's files (nothing
outside its folder, no FIFO, sizes capped), control and direction characters, nesting, YAML aliases with
their expansion, image files, and what body content may reach an output. Each refusal names the file and
line. May import the top-level modules (errors, limits, formats, pandoc, safexml) and source/body.py's
attributes; nothing else of the pipeline."""

"""Reading and checking one source: the front matter (YAML, JSON Schema), the body (one pandoc parse),
the image files, the bibliography files, the persistent identifiers and the languages; the house
settings file too. Everything a user can get wrong in a source is found here, with its file and line.
May import the top-level modules (model, errors, paths, pandoc, safexml, formats, textlinks, notices)
and nothing above them."""

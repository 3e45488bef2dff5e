"""Checking what was built: EPUBCheck, the JATS DTD and XSD, the PDF checks, and the one task that
downloads the official schemas. May import the top-level modules; nothing of the pipeline imports it."""

"""Checking what was built: EPUBCheck, the JATS DTD and XSD, the PDF checks, the deposit schemas, where
each official schema set is and its pins, and the one task that downloads them. May import writers/ (the
names of the files it checks) and the top-level modules; nothing of the pipeline imports it."""

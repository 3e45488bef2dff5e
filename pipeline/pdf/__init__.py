"""The PDF beyond WeasyPrint's defaults: the logical structure tree, the archival identification and attachments."""

"""Post-processing of the PDF WeasyPrint writes: pikepdf in, pikepdf out."""

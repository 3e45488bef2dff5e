"""The PDF, WeasyPrint's part of the pipeline: the writer (render/'s HTML laid out with print.css), the
confined URL fetcher, WeasyPrint's messages sorted into faults and notices, the logical structure tree,
every note on its reference's page in one layout (placement.py), WeasyPrint imported fast and breaking
lines with their trailing space hanging (weasy.py), what WeasyPrint works out again and again for one PDF
worked out once (layout_caches.py), and the archival variant (PDF/A-3a, with
the JATS and CSL-JSON attached). May import writers/ (the files the archival PDF carries), render/ and the
top-level modules; never source/, prepare/ or build/."""

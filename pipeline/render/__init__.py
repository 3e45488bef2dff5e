"""HTML shared by the PDF, the EPUB and the web page: the body rendered once through pandoc, footnotes
placed for screen or print, and the Jinja templates filled from the prepared article (its labels, dates
and citation included). May import the top-level modules (model, pandoc, textlinks, safexml); never
source/ or prepare/ (the article comes prepared), writers/, pdf/ or build/."""

"""HTML shared by the PDF, the EPUB and the web page: the body rendered once through pandoc, footnotes
placed for screen or print, and the Jinja templates filled from the prepared article.
May import prepare/'s model and the top-level modules; never source/, writers/, pdf/ or build/."""

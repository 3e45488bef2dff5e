"""Independent readers of the built outputs (pypdf, zipfile + lxml): facts read back from each artifact,
sharing no code with the pipeline that wrote them."""

"""The journal around the articles, made from what the build published in dist/ (each article's CSL-JSON,
JATS and Crossref deposit, never its source again): the home page, one table of contents per issue, the
Atom feed, the sitemap, one Crossref deposit per issue, and the OAI-PMH endpoint and web server of
`invoke serve`. May import check/ and every floor below it; nothing of the pipeline imports it but build/."""

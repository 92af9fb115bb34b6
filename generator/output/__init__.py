"""What gets published: the plan of every output, its templates and the files besides pages.

`routes` plans every page and data file before anything is rendered; `urls` builds every URL;
`theme` finds templates and assets; `render` holds the Jinja environment, its filters and the
`Renderer`; `charts`, `poster`, `feeds`, `opendata`, `sitemap`, `changes` and `search` make the
rest.
"""

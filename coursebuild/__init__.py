"""Build machinery of the course site (not part of the labkit package).

``coursebuild.hooks`` is the MkDocs hook: it executes every ``tutorials/*.py``
with a cache that is never stale (:mod:`coursebuild.cache`,
:mod:`coursebuild.execute`), hands the executed notebooks to mkdocs-jupyter,
and post-processes the rendered pages (:mod:`coursebuild.pages`).
"""

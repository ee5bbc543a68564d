"""The README's generated sections, rewritten from the code so the docs cannot drift.

``python -m docgen`` rewrites every section between its markers; ``python -m docgen --check``
(run by ``make lint``, so by CI) fails, naming the section, when one differs from the code.
"""

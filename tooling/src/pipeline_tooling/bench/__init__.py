"""`make bench`: how fast the handler, the pipeline and the deploy loop are, measured in one run.

Engine-neutral like the e2e suite (E2E_TARGET). Figures are medians and ratios taken in the
same run; nothing here asserts a time.
"""

"""Development tools: what developers and the tests run, never production.

Not part of the installed package: it lives in the source checkout only.
"""

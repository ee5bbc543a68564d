"""The end-to-end harness: where the stack is deployed, how, and how to check it.

Engine-neutral: the same code drives the embedded engine, LocalStack and AWS.
"""

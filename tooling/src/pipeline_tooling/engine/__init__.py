"""The embedded engine: AWS on one local endpoint, with no Docker.

moto's server for the APIs (served by cheroot, with keep-alive, over HTTPS and plain HTTP),
Lambda functions run by local workers through AWS's runtime interface client
(awslambdaric), S3 notifications delivered asynchronously in S3's shape, bucket policies
evaluated with the request's transport, and fixes where moto differs from AWS. Every reach
into moto's internals is in ``pipeline_tooling.engine.adapter``.

Run it by hand with ``python -m pipeline_tooling.engine``; in a program, start
``engine.Engine``. Importing the package imports nothing else, so a module of it that needs no moto (the
platform log lines the bench's cost model sizes, the error shapes) is read without moto.
"""

"""The tooling of the s3-object-logger Terraform module: the embedded engine (``engine``), the test harness and
``make up`` (``harness``, a pytest plugin), the bench (``bench``) and the READMEs' generated tables (``docgen``)."""

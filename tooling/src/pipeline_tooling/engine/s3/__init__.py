"""S3 as the engine changes it: events in S3's shape, delivered asynchronously; policies with the request's context."""

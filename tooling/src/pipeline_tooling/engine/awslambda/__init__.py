"""Lambda as the engine runs it: warm workers through awslambdaric, asynchronous invokes with retries."""

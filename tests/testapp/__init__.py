"""A test-only Django app: small models, a workflow, an endpoint and a task that exercise core."""

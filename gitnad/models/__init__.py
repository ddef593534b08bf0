"""Pure data (frozen pydantic): manifests, changes, findings, cluster facts, results."""

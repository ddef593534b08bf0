"""All reading: YAML, git objects, the working tree, kustomize, the cluster."""

"""gitnad: keep KubeVirt VM network (NAD) moves safe in GitOps."""

__version__ = "0.1.0"

"""Use cases: scan, check, drift, reconcile, snapshot, policy, demo. Wires sources -> analysis -> report."""

"""Reconcile: plan actions that move non-converged drift items along, and apply them (SPEC §9)."""

"""Post-sync drift: per (VM, multus network) state classification and waiting for convergence. Pure, no I/O."""

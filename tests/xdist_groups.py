"""The scheduler of `.ci/run`'s `--dist loadgroup`: pytest-xdist's LoadGroupScheduling, grouping by path.

pytest-xdist's own loadgroup reads `xdist_group` marks on each worker and appends `@<group>` to the node ids it
reports to the controller by assigning `item._nodeid`. pytest 9.2 computes `Item.nodeid` from `item._id`, so that
assignment is lost: tests/conftest.py did mark the modules below, but nothing was grouped, and every one of them
ran in both processes, building its expensive fixtures twice (an API server each, the seeded namespaces of the
scale tests, pre-commit's hook environments). This scheduler decides the groups on the controller, from the node
ids alone: a test under a `GROUPED` prefix is in that prefix's group (one process runs all of it, in collection
order but for `LAST`); any other test is a unit of its own, handed to whichever process is free. An `@<group>`
suffix still groups, should pytest-xdist's marks work again.

The order units are handed out in: the groups first, in the order of `GROUPED` (the long ones started early never
leave one process running alone at the end), then every other test in collection order. tests/e2e/ comes first:
a worker's first test from elsewhere is the sign that it has run its last e2e test, and tests/conftest.py stops its
API server then.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdist.scheduler.loadgroup import LoadGroupScheduling
from xdist.workermanage import WorkerController

GROUPED: Sequence[str] = (
    "tests/e2e/",
    "tests/channels/",
    "tests/hostile/test_big.py",
)
"""Path prefixes whose tests share one process: expensive fixtures (an API server's objects, pre-commit's
environments, the 100 MB inputs) are built once. A prefix ending in `/` groups each module under it (a module per
group), unless it is in `WHOLE`; a file path is one group."""
WHOLE: frozenset[str] = frozenset({"tests/e2e/"})
"""Directories that are one group: every e2e module runs in the same process, so one kube-apiserver serves them all
(tests/e2e/conftest.py's session fixture). Its start, the KubeVirt CRDs' installation and the settling after it
cost ~17 CPU-s of kube-apiserver and etcd, and ~35 s of wall time when both processes did it at once at the start
of `.ci/run`; the e2e modules are ~300 s of work, under the other process's share of the rest. The scale world
(tests/e2e/scale_world.py) is seeded once too, for the two modules that read it."""
LAST: frozenset[str] = frozenset({"tests/e2e/test_cluster_scale.py", "tests/e2e/test_drift_scale.py"})
"""Modules run after every other module of their group, so that no other module runs after them in the same
process: the scale world's 606 VMs, 505 VMIs and pods in the process's API server would add pages to the
cluster-wide lists that other modules count exactly (test_cluster_live's capture of several namespaces: 7 requests,
10 after the scale world)."""


def group_of(nodeid: str) -> str | None:
    """The group of a test (its module, or its `WHOLE` directory), or None: a unit of its own."""
    path = nodeid.split("::", 1)[0]
    for i, prefix in enumerate(GROUPED):
        if path.startswith(prefix):
            return f"{i:02d}:{prefix if prefix in WHOLE else path}"
    return None


def _last(nodeid: str) -> bool:
    return nodeid.split("::", 1)[0] in LAST


class PathGroupScheduling(LoadGroupScheduling):
    """LoadGroupScheduling with `group_of` for scopes and the groups handed out first."""

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.rfind("@") > nodeid.rfind("]"):  # as LoadGroupScheduling: a parametrize id may hold '@'
            return nodeid.split("@")[-1]
        return group_of(nodeid) or nodeid

    def mark_test_complete(self, node: WorkerController, item_index: int, duration: float = 0) -> None:
        """LoadScopeScheduling's, but a unit whose tests are all done is dropped from the node's work: the
        `_pending_of` of every completion sums over the node's units, and every ungrouped test is a unit of its own,
        so it grew with the tests run (~2,000 units a process by the end of `.ci/run`), quadratic in all."""
        nodeid = self.registered_collections[node][item_index]
        scope = self._split_scope(nodeid)
        work = self.assigned_work[node]
        work[scope][nodeid] = True
        if all(work[scope].values()):
            del work[scope]
        self._reschedule(node)

    def schedule(self) -> None:
        """LoadScopeScheduling.schedule with this module's order of work units."""
        assert self.collection_is_completed
        if self.collection is not None:
            for node in self.nodes:
                self._reschedule(node)
            return
        if not self._check_nodes_have_same_collection():
            self.log("**Different tests collected, aborting run**")
            return
        self.collection = list(next(iter(self.registered_collections.values())))
        if not self.collection:
            return
        units: dict[str, dict[str, bool]] = {}
        # In collection order, but a LAST module's tests after the rest of their group (a stable sort).
        for nodeid in sorted(self.collection, key=_last):
            units.setdefault(self._split_scope(nodeid), {})[nodeid] = False
        grouped = sorted(scope for scope in units if group_of(next(iter(units[scope]))) is not None)
        for scope in [*grouped, *(s for s in units if s not in grouped)]:
            self.workqueue[scope] = units[scope]
        for _ in range(len(self.nodes) - len(self.workqueue)):  # more processes than work
            unused, _assigned = self.assigned_work.popitem()
            unused.shutdown()
        for node in self.nodes:
            self._assign_work_unit(node)
        for node in self.nodes:  # at least two units each, if there are (pytest-xdist #277)
            self._reschedule(node)
        if not self.workqueue:
            for node in self.nodes:
                node.shutdown()
